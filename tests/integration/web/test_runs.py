"""The billing runs page: each portal's last runs with counts and errors, "run now" buttons
that queue the billing task once (CSRF-checked), operator access like needs-attention."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date
from typing import Any

from flask import Flask

from backend.bootstrap import Container
from backend.domain.lease import LeaseStatus
from backend.domain.parties import BankRequisites
from backend.services.billing import run_portal
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from jobs.celery_app import make_celery
from tests import factories
from tests.celery_worker import running_worker
from tests.operator_client import operator_client

JAN_27 = date(2026, 1, 27)


def _portal(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(
            uow, container.clock, kind="bitrix24", external_id="r1", domain="r.bitrix24.ru"
        )
        uow.commit()
    assert portal.id is not None
    return portal.id


def _lease(container: Container, portal_id: int, **overrides: Any) -> int:
    with container.uow(portal_id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, **overrides)
        lease_id = register_lease(uow, container.clock, lease).lease_id
        uow.commit()
    return lease_id


def _app(container: Container, **settings: object) -> tuple[Flask, list[tuple[str, list[Any]]]]:
    built = (
        replace(container, settings=container.settings.with_(**settings)) if settings else container
    )
    app = create_app(container=built)
    queued: list[tuple[str, list[Any]]] = []
    built.task_sender = lambda name, *args: queued.append((name, list(args)))
    return app, queued


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_the_page_lists_each_portals_runs_with_counts_and_errors(container: Container) -> None:
    portal_id = _portal(container)
    broken = factories.landlord(bank=BankRequisites("Банк", "04452522", "40702810938000000001"))
    bad = _lease(container, portal_id, number="B-1", landlord=factories.landlord(inn="7736207543"))
    with container.uow(portal_id) as uow:  # stored before requisites were checked on entry
        landlord_id = uow.leases.get(bad).landlord.id
        assert landlord_id is not None
        uow.parties.update_landlord(landlord_id, broken, {})
        uow.commit()
    _lease(container, portal_id, auto_send=True)
    run_portal(container.billing_ports(), portal_id, JAN_27)
    with container.uow(portal_id) as uow:
        uow.runs.start(date(2026, 1, 28), container.clock.now())  # a run that never finished
        uow.commit()
    app, _ = _app(container)
    html = app.test_client().get("/runs").get_data(as_text=True)
    rows = re.findall(r'<tr class="run[^"]*">(.*?)</tr>', html, re.S)
    assert len(rows) == 2
    unfinished, done = rows
    assert "28.01.2026" in unfinished
    assert "not finished" in unfinished
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", done, re.S)
    ]
    assert cells[0] == "27.01.2026"
    assert cells[3:6] == ["1", "1", "1"]  # issued, sent (tenant emails queued), failed
    assert f"lease {bad}, invoice" in cells[6]
    assert "bic" in cells[6].lower()
    assert "r.bitrix24.ru" in html


def test_run_now_queues_the_portals_task_once_and_all_portals_without_one(
    container: Container,
) -> None:
    portal_id = _portal(container)
    app, queued = _app(container)
    client = app.test_client()
    token = _csrf(client.get("/runs").get_data(as_text=True))
    answer = client.post("/runs", data={"csrf": token, "portal": str(portal_id)})
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/runs?queued={portal_id}")
    assert queued == [("jobs.tasks.billing_run_portal", [portal_id, "2026-02-01"])]
    client.post("/runs", data={"csrf": token})
    assert queued[1:] == [("jobs.tasks.billing_run", [])]
    assert client.post("/runs", data={"csrf": token, "portal": "999"}).status_code == 404
    assert len(queued) == 2


def test_a_post_without_the_pages_form_token_queues_nothing(container: Container) -> None:
    portal_id = _portal(container)
    app, queued = _app(container)
    client = app.test_client()
    client.get("/runs")
    assert client.post("/runs", data={"portal": str(portal_id)}).status_code == 400
    forged = client.post("/runs", data={"csrf": "forged", "portal": str(portal_id)})
    assert forged.status_code == 400
    other = app.test_client()  # another browser: its own session, so the token is not its own
    token = _csrf(client.get("/runs").get_data(as_text=True))
    assert other.post("/runs", data={"csrf": token}).status_code == 400
    assert queued == []


def test_outside_the_sandbox_the_operator_token_is_required(container: Container) -> None:
    _portal(container)
    closed, _ = _app(container, sandbox=False)
    assert closed.test_client().get("/runs").status_code == 403
    app, queued = _app(container, sandbox=False, admin_token="op-secret")
    client = app.test_client()
    assert client.get("/runs").status_code == 401
    assert client.post("/runs", data={"csrf": "x"}).status_code == 401
    assert client.get("/runs?token=op-secret").status_code == 401  # never in a URL
    signed_in = operator_client(app, "op-secret")
    page = signed_in.get("/runs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'action="/runs"' in html
    answer = signed_in.post("/runs", data={"csrf": _csrf(html)})
    assert answer.status_code == 303
    assert queued == [("jobs.tasks.billing_run", [])]


def test_run_now_is_run_by_a_real_worker_through_the_broker(worker_container: Container) -> None:
    container = worker_container
    portal_id = _portal(container)
    _lease(container, portal_id)
    app = create_app(container=container)  # the real dispatch: a message on the broker
    client = app.test_client()
    token = _csrf(client.get("/runs").get_data(as_text=True))
    assert client.post("/runs", data={"csrf": token, "portal": str(portal_id)}).status_code == 303
    with container.uow(portal_id) as uow:
        assert uow.runs.recent() == []  # queued, not run in the request
    celery = make_celery(container.settings)
    with running_worker(celery):
        deadline = time.monotonic() + 60
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not (runs and runs[0]["finished_at"]):
            time.sleep(0.1)  # polling the store for the worker's result
            with container.uow(portal_id) as uow:
                runs = uow.runs.recent()
    assert [(r["run_on"], r["issued"], r["status"]) for r in runs] == [
        (date(2026, 2, 1), 1, "done")
    ]


def test_the_front_page_links_to_the_runs(container: Container) -> None:
    app, _ = _app(container)
    assert 'href="/runs"' in app.test_client().get("/").get_data(as_text=True)
