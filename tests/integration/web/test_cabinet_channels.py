"""The cabinet's requests, announcements and notifications pages as an attacker and a careless
user meet them: another tenant's request is not found, a post without the form token or with
a bad file changes nothing, a choice that leaves a topic without a channel is refused."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.config import SANDBOX_TELEGRAM_BOT, SANDBOX_TELEGRAM_TOKEN
from backend.db.tables import LeaseRow
from backend.db.tables_channels import TelegramLinkCodeRow, TenantRequestRow
from backend.domain.lease import LeaseStatus
from backend.services import tenant_requests
from backend.services.announcements import post_announcement
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from backend.web.app import create_app
from tests import factories

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def app(container: Container) -> Flask:
    container.settings = replace(
        container.settings, telegram_enabled=True, telegram_bot_token=SANDBOX_TELEGRAM_TOKEN,
        telegram_bot_username=SANDBOX_TELEGRAM_BOT,
    )  # fmt: skip
    return create_app(container=container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _world(container: Container) -> tuple[int, dict[str, tuple[int, int]]]:
    """One portal, two tenants with a lease each: {email: (tenant id, lease id)}."""
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="cab-1")
        uow.commit()
    assert portal.id is not None
    found = {}
    with container.uow(portal.id) as uow:
        people = (("a@alfa.example", "7728168971"), ("b@beta.example", "7707083893"))
        for n, (email, inn) in enumerate(people):
            tenant = factories.tenant(name=f"ООО Арендатор {n}", inn=inn, emails=(email,))
            lease = factories.lease(number=f"L-{n}", tenant=tenant, status=LeaseStatus.SIGNED)
            registered = register_lease(uow, container.clock, lease)
            found[email] = (registered.tenant_id, registered.lease_id)
        uow.commit()
    return portal.id, found


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _sign_in(container: Container, client: FlaskClient, email: str) -> str:
    """Sign in through the pages with the code from the outbox; the session's form token."""
    page = client.get("/cabinet/login").get_data(as_text=True)
    client.post("/cabinet/login", data={"email": email, "csrf": _csrf(page)})
    with container.uow() as uow:
        mail = [m for m in uow.outbox.list() if m.kind == "cabinet_sign_in"][-1]
    code = re.search(r"\b(\d{6})\b", mail.body_text)
    assert code is not None
    page = client.get("/cabinet/login/code").get_data(as_text=True)
    client.post("/cabinet/login/code", data={"code": code.group(1), "csrf": _csrf(page)})
    return _csrf(client.get("/cabinet/requests").get_data(as_text=True))


def _count(container: Container, table: type) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)))  # type: ignore[attr-defined]


def test_another_tenants_request_and_its_file_are_not_found(
    container: Container, client: FlaskClient
) -> None:
    portal_id, tenants = _world(container)
    alfa, alfa_lease = tenants["a@alfa.example"]
    request_id = tenant_requests.file_request(
        container.uow, container.clock, container.document_storage(), portal_id, [alfa],
        alfa_lease, "financial", "Сверка за январь", [tenant_requests.NewFile("a.pdf", PDF)],
    )  # fmt: skip
    _sign_in(container, client, "b@beta.example")
    assert client.get(f"/cabinet/requests/{request_id}").status_code == 404
    assert client.get(f"/cabinet/requests/{request_id}/files/1").status_code == 404
    assert "Сверка" not in client.get("/cabinet/requests").get_data(as_text=True)


def test_a_post_without_the_form_token_or_with_a_bad_file_stores_nothing(
    container: Container, client: FlaskClient
) -> None:
    _, tenants = _world(container)
    _, lease_id = tenants["a@alfa.example"]
    csrf = _sign_in(container, client, "a@alfa.example")
    form = {"lease": str(lease_id), "kind": "technical", "text": "Течёт кран"}
    assert client.post("/cabinet/requests", data=form).status_code == 400
    bad = client.post(
        "/cabinet/requests",
        data={**form, "csrf": csrf, "attachments": (io.BytesIO(b"MZ\x90\x00"), "setup.exe")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'id="attachments-error"' in page
    assert "setup.exe: Можно приложить до 5 файлов: DOCX, JPEG, JPG, PDF, PNG, XLSX" in page
    assert "Течёт кран" in page  # what was typed is kept
    foreign = client.post("/cabinet/requests", data={**form, "lease": "999", "csrf": csrf})
    assert foreign.status_code == 422
    assert _count(container, TenantRequestRow) == 0
    good = client.post(
        "/cabinet/requests",
        data={**form, "csrf": csrf, "attachments": (io.BytesIO(PDF), "фото.pdf")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    assert _count(container, TenantRequestRow) == 1


def test_the_link_code_is_shown_once_and_stored_only_as_its_hash(
    container: Container, client: FlaskClient
) -> None:
    _world(container)
    csrf = _sign_in(container, client, "a@alfa.example")
    page = client.post("/cabinet/notifications/telegram", data={"csrf": csrf})
    code = re.search(r"start=([A-Za-z0-9_-]{22})", page.get_data(as_text=True))
    assert code is not None
    with container.uow() as uow:
        stored = list(uow.session.scalars(select(TelegramLinkCodeRow.code_hash)))  # type: ignore[attr-defined]
    assert len(stored) == 1
    assert code.group(1) not in stored[0]


def test_a_topic_left_without_a_channel_is_refused_next_to_the_table(
    container: Container, client: FlaskClient
) -> None:
    _world(container)
    csrf = _sign_in(container, client, "a@alfa.example")
    chosen = {f"{t}.email": "on" for t in ("documents", "reminders", "overdue", "requests")}
    refused = client.post("/cabinet/notifications", data={**chosen, "csrf": csrf})
    assert refused.status_code == 422
    assert "Выберите хотя бы один канал" in refused.get_data(as_text=True)
    saved = client.post(
        "/cabinet/notifications", data={**chosen, "announcements.telegram": "on", "csrf": csrf}
    )
    assert saved.status_code == 303


def test_announcements_reach_the_tenant_they_name_only(
    container: Container, client: FlaskClient
) -> None:
    portal_id, tenants = _world(container)
    alfa, _ = tenants["a@alfa.example"]
    beta, _ = tenants["b@beta.example"]
    post_announcement(container.uow, container.clock, portal_id, date(2026, 2, 3),
                      "Отключение воды", "3 февраля с 10 до 14.", tenant_id=alfa)  # fmt: skip
    post_announcement(container.uow, container.clock, portal_id, date(2026, 2, 4),
                      "Только Бете", "Текст.", tenant_id=beta)  # fmt: skip
    _sign_in(container, client, "a@alfa.example")
    page = client.get("/cabinet/announcements").get_data(as_text=True)
    assert "Отключение воды" in page
    assert "3 февраля 2026" in page
    assert "Только Бете" not in page


def test_the_api_posts_to_a_buildings_tenants_and_answers_requests(
    container: Container, client: FlaskClient
) -> None:
    from backend.services.api_keys import create_key

    portal_id, tenants = _world(container)
    with container.uow(portal_id) as uow:
        premises = uow.parties.add_premises(factories.premises(code="201", building="БЦ Север"))
        uow.session.execute(  # type: ignore[attr-defined]
            LeaseRow.__table__.update()
            .where(LeaseRow.id == tenants["a@alfa.example"][1])
            .values(premises_ids=[premises])
        )
        _, key = create_key(uow, container.clock, portal_id, "test", ("read", "write"))
        uow.commit()
    auth = {"Authorization": f"Bearer {key}"}
    body = {"posted_on": "2026-02-03", "title": "Лифт", "text": "Лифт не работает до 12:00.",
            "building": "БЦ Север"}  # fmt: skip
    posted = client.post("/api/v1/announcements", json=body, headers=auth)
    assert posted.status_code == 201
    assert posted.get_json()["tenants"] == 1  # Beta rents elsewhere
    both = client.post("/api/v1/announcements", json={**body, "tenant_id": 1}, headers=auth)
    assert both.status_code == 422
    assert both.get_json()["errors"][0]["field"] == "audience"
    nobody = client.post("/api/v1/announcements", json={**body, "building": "Нет такого"},
                         headers=auth)  # fmt: skip
    assert nobody.status_code == 422
    alfa, lease_id = tenants["a@alfa.example"]
    request_id = tenant_requests.file_request(
        container.uow, container.clock, container.document_storage(), portal_id, [alfa],
        lease_id, "other", "Нужен пропуск",
    )  # fmt: skip
    empty = client.post(f"/api/v1/requests/{request_id}/answer", json={"status": "done"},
                        headers=auth)  # fmt: skip
    assert empty.status_code == 422
    answer = {"status": "done", "answer": "Пропуск готов"}
    queued: list[tuple[str, tuple[object, ...]]] = []
    container.task_sender = lambda name, *args: queued.append((name, args))
    done = client.post(f"/api/v1/requests/{request_id}/answer", json=answer, headers=auth)
    assert (done.get_json()["status"], done.get_json()["answer"]) == ("done", "Пропуск готов")
    # the request's CRM task is closed by a job, not by the API's request
    assert ("jobs.channel_tasks.push_request_answer", (portal_id, request_id)) in queued
    listed = client.get(f"/api/v1/tenants/{alfa}/requests", headers=auth).get_json()
    assert [r["id"] for r in listed["items"]] == [request_id]


def test_a_company_with_a_row_per_lease_files_on_either_and_links_telegram_for_both(
    container: Container, client: FlaskClient
) -> None:
    from backend.services.channels import link_from_update

    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="cab-2")
        uow.commit()
    assert portal.id is not None
    tenant = factories.tenant(emails=("buh@vasilek.example",))
    with container.uow(portal.id) as uow:
        first = register_lease(
            uow,
            container.clock,
            factories.lease(number="L-1", tenant=tenant, status=LeaseStatus.SIGNED),
        )
        second = register_lease(
            uow,
            container.clock,
            factories.lease(number="L-2", tenant=tenant, status=LeaseStatus.SIGNED),
        )
        uow.commit()  # fmt: skip
    rows = sorted({first.tenant_id, second.tenant_id})
    assert len(rows) == 2  # register_lease makes a tenant row per lease
    csrf = _sign_in(container, client, "buh@vasilek.example")
    form = client.get("/cabinet/requests/new").get_data(as_text=True)
    assert "Договор № L-1" in form
    assert "Договор № L-2" in form
    filed = client.post("/cabinet/requests", data={
        "lease": str(second.lease_id), "kind": "other", "text": "Пропуск", "csrf": csrf,
    })  # fmt: skip
    assert filed.status_code == 303
    assert client.get(filed.headers["Location"]).status_code == 200
    page = client.post("/cabinet/notifications/telegram", data={"csrf": csrf})
    code = re.search(r"start=([A-Za-z0-9_-]{22})", page.get_data(as_text=True))
    assert code is not None
    link_from_update(container.uow, container.clock, "777", f"/start {code.group(1)}")
    with container.uow(portal.id) as uow:
        assert [uow.channels.chat_of(portal.id, row) for row in rows] == ["777"] * len(rows)
