"""Embedded mode: the worker is SIGKILLed in the middle of a billing run. `rentflow serve`
restarts it, the run's task comes back, and every document is issued once with gapless
numbers, every email sent once, the killed run's record closed as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backend.bootstrap import bootstrap
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.domain.lease import LeaseStatus
from backend.domain.messages import MessageStatus
from backend.runtime.publish import FastPublisher
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories
from tests.e2e.runtime.test_serve import _free_port, _rentflow
from tests.e2e.runtime.test_supervised_worker import _children

LEASES = 60
JAN_27 = date(2026, 1, 27)  # February's invoices are due (factories: 5 days before 1 Feb)
DEADLINE = 180.0


def _seed(settings: Settings) -> int:
    upgrade(settings.database_url)
    container = bootstrap(settings, crm_factories={})
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="fault-1")
        uow.commit()
    assert portal.id is not None
    landlord_id = None
    with container.uow(portal.id) as uow:
        for n in range(LEASES):
            lease = factories.lease(status=LeaseStatus.SIGNED, auto_send=True, number=f"F-{n}")
            landlord_id = register_lease(
                uow, container.clock, lease, landlord_id=landlord_id
            ).landlord_id
        uow.commit()
    container.dispose()
    return portal.id


def _state(settings: Settings, portal_id: int) -> dict[str, Any]:
    container = bootstrap(settings, crm_factories={})
    try:
        with container.uow(portal_id) as uow:
            documents = uow.documents.list()
            messages = uow.outbox.list(portal_id=portal_id)
            runs = uow.runs.recent()
    finally:
        container.dispose()
    return {"documents": documents, "messages": messages, "runs": runs}


def _until(what: str, check: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {DEADLINE:.0f}s:\n{log.read_text()[-4000:]}")


def test_a_worker_killed_mid_run_leaves_each_document_and_email_once(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ, "RENTFLOW_VAR_DIR": str(tmp_path / "var"), "RENTFLOW_PORT": str(port),
        "RENTFLOW_SANDBOX": "1",
    }  # fmt: skip
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SMTP_URL"):
        env.pop(name, None)
    settings = Settings.from_env(env)
    portal_id = _seed(settings)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [_rentflow(), "serve"], env=env, cwd=tmp_path, stdout=out, stderr=out
        )
    try:
        _until("a worker", lambda: bool(_children(proc.pid)) and "ready" in log.read_text(), log)
        [worker] = _children(proc.pid)
        FastPublisher(settings.celery_broker_url).send(
            "jobs.tasks.billing_run_portal", [portal_id, JAN_27.isoformat()]
        )
        _until(
            "the first documents",
            lambda: len(_state(settings, portal_id)["documents"]) >= 5,
            log,
        )

        os.kill(worker, signal.SIGKILL)

        assert len(_state(settings, portal_id)["documents"]) < LEASES, "killed too late"

        def finished() -> bool:
            state = _state(settings, portal_id)
            return len(state["documents"]) == LEASES and any(
                r["status"] == "done" for r in state["runs"]
            ) and all(m.status is MessageStatus.SENT for m in state["messages"])  # fmt: skip

        _until("the run finished after the restart", finished, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    state = _state(settings, portal_id)
    documents = state["documents"]
    assert sorted(int(d.number) for d in documents) == list(range(1, LEASES + 1))
    assert len({d.lease_id for d in documents}) == LEASES
    statuses = Counter(r["status"] for r in state["runs"])
    assert statuses["interrupted"] >= 1, state["runs"]
    assert statuses["running"] == 0, state["runs"]
    tenant_mail = [m for m in state["messages"] if m.kind == "tenant_documents"]
    assert len(tenant_mail) == LEASES
    eml = list((tmp_path / "var" / "outbox").rglob("*.eml"))
    assert len(eml) == len(state["messages"]), "an email was written twice or not at all"
    assert "killed by SIGKILL" in log.read_text()
