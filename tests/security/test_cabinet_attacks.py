"""The tenant cabinet against an attacker: another tenant's ids, expired, reused and guessed
codes, posts without the form token, address probing, stolen-session sign-out. Each refusal
also leaves the database as it was."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.db.tables import AuditRow, OutboxRow, TenantRow
from backend.db.tables_cabinet import CabinetSessionRow
from backend.ports import FixedClock
from backend.services.cabinet_auth import MAX_FAILURES
from tests.cabinet_world import (
    EMAIL,
    CabinetWorld,
    app_for,
    csrf_of,
    data_rows,
    last_code,
    shared_world,
    sign_in,
)


@pytest.fixture
def world(container: Container) -> CabinetWorld:
    return shared_world(container)


@pytest.fixture
def client(world: CabinetWorld) -> FlaskClient:
    return app_for(world).test_client()


def _count(container: Container, table: object, *where: object) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def _ask_code(client: FlaskClient, email: str = EMAIL) -> tuple[int, str]:
    page = client.get("/cabinet/login").get_data(as_text=True)
    answer = client.post("/cabinet/login", data={"email": email, "csrf": csrf_of(page)})
    return answer.status_code, answer.get_data(as_text=True)


def _try_code(client: FlaskClient, code: str) -> int:
    page = client.get("/cabinet/login/code").get_data(as_text=True)
    return client.post(
        "/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)}
    ).status_code


def _choose_first(client: FlaskClient) -> None:
    page = client.get("/cabinet/choose").get_data(as_text=True)
    key = re.search(r'name="tenant" value="([\d-]+)"', page)
    assert key
    client.post("/cabinet/choose", data={"tenant": key.group(1), "csrf": csrf_of(page)})


def test_another_tenants_lease_document_and_statement_are_not_found(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    _choose_first(client)
    with world.container.uow(world.portals[0]) as uow:
        (stranger_invoice,) = uow.documents.for_lease(world.stranger_lease)[:1]

    for url in (
        f"/cabinet/leases/{world.stranger_lease}",
        f"/cabinet/leases/{world.stranger_lease}/statement.pdf?start=2026-01-01&end=2026-12-31",
        f"/cabinet/documents/{stranger_invoice.id}/invoice_qr",
        f"/cabinet/documents/{stranger_invoice.id}/qr_png",
        f"/cabinet/leases/{world.leases[1]}",  # the tenant's own, at the other landlord
    ):
        assert client.get(url).status_code == 404, url


def test_a_request_filed_on_another_tenants_lease_changes_nothing(
    world: CabinetWorld, client: FlaskClient
) -> None:
    csrf = sign_in(client, world.container)
    _choose_first(client)
    client.get("/cabinet/")  # the first page after the choice records the tenant's language
    before, queued = data_rows(world.container), list(world.tasks)

    for lease in (world.stranger_lease, world.leases[1], 0, 10**12, "x"):
        form = {"lease": str(lease), "kind": "financial", "text": "Верните деньги", "csrf": csrf}
        answer = client.post("/cabinet/requests", data=form)
        assert answer.status_code == 422, lease
        assert 'id="lease-error"' in answer.get_data(as_text=True)

    assert data_rows(world.container) == before
    assert world.tasks == queued  # no CRM task queued either


def test_a_forged_tenant_choice_is_refused_and_changes_nothing(
    world: CabinetWorld, client: FlaskClient
) -> None:
    csrf = sign_in(client, world.container)
    with world.container.uow(world.portals[0]) as uow:
        stranger = uow.leases.get(world.stranger_lease).tenant.id

    answer = client.post(
        "/cabinet/choose", data={"tenant": f"{world.portals[0]}-{stranger}", "csrf": csrf}
    )

    assert answer.status_code == 404
    chosen = CabinetSessionRow.tenant_id.is_not(None)
    assert _count(world.container, CabinetSessionRow, chosen) == 0


def test_posts_without_the_form_token_are_refused_and_change_nothing(
    world: CabinetWorld, client: FlaskClient
) -> None:
    sign_in(client, world.container)
    _choose_first(client)
    form = {"name": "Hacked", "address": "", "phone": "", "emails": EMAIL}

    assert client.post("/cabinet/contacts", data=form).status_code == 400
    assert client.post("/cabinet/contacts", data={**form, "csrf": "forged"}).status_code == 400
    assert client.post("/cabinet/logout", data={"everywhere": "1"}).status_code == 400
    assert _count(world.container, TenantRow, TenantRow.name == "Hacked") == 0
    assert _count(world.container, AuditRow, AuditRow.entity == "tenant") == 0
    live = CabinetSessionRow.revoked_at.is_(None)
    assert _count(world.container, CabinetSessionRow, live) == 1


def test_an_expired_code_is_refused(world: CabinetWorld, client: FlaskClient) -> None:
    assert _ask_code(client)[0] == 303
    code, _ = last_code(world.container)
    clock = world.container.clock
    assert isinstance(clock, FixedClock)
    clock.set(clock.now() + timedelta(minutes=11))

    assert _try_code(client, code) == 400
    assert _count(world.container, CabinetSessionRow) == 0


def test_a_code_works_once(world: CabinetWorld, client: FlaskClient) -> None:
    assert _ask_code(client)[0] == 303
    code, link = last_code(world.container)
    assert _try_code(client, code) == 303
    client.delete_cookie("rentflow_cabinet", path="/cabinet")
    other = app_for(world).test_client()
    _ask_code(other, "nobody@nowhere.example")  # the pending address of this browser

    with other.session_transaction() as session:
        session["cabinet_email"] = EMAIL
    assert _try_code(other, code) == 400
    page = other.get(f"/cabinet/login/link/{link}").get_data(as_text=True)
    used = other.post(f"/cabinet/login/link/{link}", data={"csrf": csrf_of(page)})
    assert used.status_code == 400
    assert _count(world.container, CabinetSessionRow) == 1


def test_guessing_locks_the_code_after_a_few_tries(
    world: CabinetWorld, client: FlaskClient
) -> None:
    assert _ask_code(client)[0] == 303
    code, _ = last_code(world.container)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(MAX_FAILURES):
        assert _try_code(client, wrong) == 400

    assert _try_code(client, code) == 400  # the right code, too late
    assert _count(world.container, CabinetSessionRow) == 0


def test_unknown_and_known_addresses_get_the_same_answer(
    world: CabinetWorld, client: FlaskClient
) -> None:
    stranger = app_for(world).test_client()

    known = _ask_code(client, EMAIL)
    unknown = _ask_code(stranger, "nobody@nowhere.example")

    assert known[0] == unknown[0] == 303
    assert client.get("/cabinet/login/code").status_code == 200
    page = stranger.get("/cabinet/login/code").get_data(as_text=True)
    assert "nobody@nowhere.example" in page
    assert _count(world.container, OutboxRow, OutboxRow.kind == "cabinet_sign_in") == 1


def test_codes_are_rate_limited_per_address(world: CabinetWorld, client: FlaskClient) -> None:
    statuses = [_ask_code(client)[0] for _ in range(4)]

    assert statuses == [303, 303, 303, 429]
    assert _count(world.container, OutboxRow, OutboxRow.kind == "cabinet_sign_in") == 3


def test_the_session_cookie_is_http_only_lax_and_scoped(
    world: CabinetWorld, client: FlaskClient
) -> None:
    _ask_code(client)
    code, _ = last_code(world.container)
    page = client.get("/cabinet/login/code").get_data(as_text=True)

    answer = client.post("/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)})

    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("rentflow_cabinet=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/cabinet" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with world.container.uow(None) as uow:  # only its hash is stored
        assert uow.session.scalar(select(CabinetSessionRow.token_hash)) != token


def test_signing_out_everywhere_ends_the_other_browsers_session(
    world: CabinetWorld, client: FlaskClient
) -> None:
    other = app_for(world).test_client()
    sign_in(other, world.container)
    csrf = sign_in(client, world.container)

    client.post("/cabinet/logout", data={"everywhere": "1", "csrf": csrf})

    assert other.get("/cabinet/choose").status_code == 302
    assert _count(world.container, CabinetSessionRow, CabinetSessionRow.revoked_at.is_(None)) == 0


def test_an_unexpected_error_is_a_plain_page_without_internals(
    world: CabinetWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend.services import cabinet_account

    app = app_for(world)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    sign_in(client, world.container)
    _choose_first(client)

    def broken(*_: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(cabinet_account, "tenant_leases", broken)
    answer = client.get("/cabinet/")

    assert answer.status_code == 500
    body = answer.get_data(as_text=True)
    assert "Что-то пошло не так" in body
    assert "hunter2" not in body
    assert "Traceback" not in body


def test_the_sign_in_logs_name_no_address_code_link_or_token(
    world: CabinetWorld, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backend.services.cabinet_auth")
    _ask_code(client)
    code, link = last_code(world.container)
    assert _try_code(client, f"{(int(code) + 1) % 1_000_000:06d}") == 400
    page = client.get("/cabinet/login/code").get_data(as_text=True)

    answer = client.post("/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)})

    token = answer.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    logged = caplog.text
    assert "cabinet sign-in refused" in logged  # the wrong code is a security event
    assert "cabinet sign-in: address " in logged
    for secret in (EMAIL, code, link, token):
        assert secret not in logged
