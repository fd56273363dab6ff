"""The tenant cabinet's limits that docs/cabinet-security.md counts on: the per-IP rate limits
of codes sent and guessed (ASVS 2.2.1), the session's idle and absolute ends (3.3.2), the
cookie's ``Secure`` behind an https address (3.4.1) and the security headers of every page
(8.2.1, 14.4.x)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.db.tables_cabinet import CabinetSessionRow
from backend.ports import FixedClock
from backend.services.cabinet_auth import GUESSES_PER_IP, IDLE, LIFETIME, SENDS_PER_IP
from backend.web.cabinet.pages import POLICY
from tests.cabinet_world import (
    EMAIL,
    CabinetWorld,
    app_for,
    csrf_of,
    last_code,
    shared_world,
    sign_in,
)

ATTACKER, NEIGHBOUR = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def world(container: Container) -> CabinetWorld:
    return shared_world(container)


def _from(world: CabinetWorld, ip: str) -> FlaskClient:
    """A browser at ``ip`` (the WSGI ``REMOTE_ADDR`` the limits count by)."""
    client = app_for(world).test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _ask_code(client: FlaskClient, email: str) -> int:
    page = client.get("/cabinet/login").get_data(as_text=True)
    return client.post("/cabinet/login", data={"email": email, "csrf": csrf_of(page)}).status_code


def _try_code(client: FlaskClient, email: str, code: str) -> int:
    """Post ``code`` for ``email`` as waiting in this browser's signed session."""
    with client.session_transaction() as session:
        session["cabinet_email"] = email
    page = client.get("/cabinet/login/code").get_data(as_text=True)
    return client.post(
        "/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)}
    ).status_code


def _sessions(container: Container) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(CabinetSessionRow)) or 0)


def test_one_ip_asking_codes_for_many_addresses_is_stopped(world: CabinetWorld) -> None:
    attacker = _from(world, ATTACKER)

    statuses = [_ask_code(attacker, f"probe{n}@nowhere.example") for n in range(SENDS_PER_IP)]
    refused = _ask_code(attacker, EMAIL)  # a fresh address, a known one: still this IP

    assert statuses == [303] * SENDS_PER_IP
    assert refused == 429
    assert _ask_code(_from(world, NEIGHBOUR), EMAIL) == 303  # other IPs are not held up


def test_one_ip_guessing_codes_of_many_addresses_is_stopped(world: CabinetWorld) -> None:
    assert _ask_code(_from(world, NEIGHBOUR), EMAIL) == 303
    code, _ = last_code(world.container)
    attacker = _from(world, ATTACKER)

    wrong = [
        _try_code(attacker, f"probe{n}@nowhere.example", "000000") for n in range(GUESSES_PER_IP)
    ]
    right = _try_code(attacker, EMAIL, code)  # even the right code, from this IP

    assert wrong == [400] * GUESSES_PER_IP
    assert right == 429
    assert _sessions(world.container) == 0
    assert _try_code(_from(world, NEIGHBOUR), EMAIL, code) == 303  # not from the neighbour's


def _moved(world: CabinetWorld) -> FixedClock:
    clock = world.container.clock
    assert isinstance(clock, FixedClock)
    return clock


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/cabinet/choose").status_code == 200


def test_a_session_ends_after_two_idle_hours(world: CabinetWorld) -> None:
    client = _from(world, NEIGHBOUR)
    sign_in(client, world.container)
    clock = _moved(world)
    start = clock.now()

    clock.set(start + IDLE - timedelta(minutes=1))
    assert _signed_in(client)  # and this visit counts as use
    clock.set(start + 2 * IDLE - timedelta(minutes=2))
    assert _signed_in(client)
    clock.set(start + 3 * IDLE - timedelta(minutes=2))

    assert not _signed_in(client)
    assert client.get("/cabinet/").location.startswith("/cabinet/login")


def test_a_session_in_use_ends_twelve_hours_after_signing_in(world: CabinetWorld) -> None:
    client = _from(world, NEIGHBOUR)
    sign_in(client, world.container)
    clock = _moved(world)
    start = clock.now()
    steps = int(LIFETIME / (IDLE / 2))  # a visit every hour, never idle

    for step in range(1, steps):
        clock.set(start + step * IDLE / 2)
        assert _signed_in(client), step
    clock.set(start + LIFETIME)

    assert not _signed_in(client)


def _signed_in_at(world: CabinetWorld, base_url: str) -> tuple[FlaskClient, str]:
    """A client signed in (tenant chosen) with ``PUBLIC_BASE_URL`` = ``base_url``; the
    ``Set-Cookie`` of its session."""
    container = world.container
    container.settings = replace(container.settings, public_base_url=base_url)
    client = app_for(world).test_client()
    assert _ask_code(client, EMAIL) == 303
    code, _ = last_code(container)
    page = client.get("/cabinet/login/code").get_data(as_text=True)
    answer = client.post("/cabinet/login/code", data={"code": code, "csrf": csrf_of(page)})
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    page = client.get("/cabinet/choose").get_data(as_text=True)
    key = re.search(r'name="tenant" value="([\d-]+)"', page)
    assert key
    client.post("/cabinet/choose", data={"tenant": key.group(1), "csrf": csrf_of(page)})
    return client, cookie


def test_the_session_cookie_is_secure_when_the_cabinet_is_served_over_https(
    world: CabinetWorld,
) -> None:
    _, cookie = _signed_in_at(world, "https://arenda.example")

    assert cookie.startswith("rentflow_cabinet=")
    assert "; Secure" in cookie
    assert "HttpOnly" in cookie


def _pages(world: CabinetWorld) -> list[str]:
    lease = world.leases[0]
    return [
        "/cabinet/", f"/cabinet/leases/{lease}", "/cabinet/documents", "/cabinet/requests",
        "/cabinet/requests/new", "/cabinet/announcements", "/cabinet/notifications",
        "/cabinet/contacts", "/cabinet/choose", f"/cabinet/leases/{world.stranger_lease}",
    ]  # fmt: skip


@pytest.mark.parametrize("base_url", ["https://arenda.example", "http://127.0.0.1:8000"])
def test_every_page_carries_the_security_headers(world: CabinetWorld, base_url: str) -> None:
    client, _ = _signed_in_at(world, base_url)
    anonymous = app_for(world).test_client()
    answers = [(path, client.get(path)) for path in _pages(world)]
    answers.append(("/cabinet/login", anonymous.get("/cabinet/login")))

    for path, answer in answers:
        headers = answer.headers
        assert answer.status_code in (200, 404), path
        assert headers["Content-Security-Policy"] == POLICY, path
        assert "frame-ancestors 'none'" in POLICY
        assert headers["Cache-Control"] == "no-store", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "Cookie" in headers["Vary"], path
        hsts = headers.get("Strict-Transport-Security")
        assert hsts == ("max-age=31536000" if base_url.startswith("https") else None), path
        assert "Access-Control-Allow-Origin" not in headers, path


def test_the_tenants_files_are_served_with_no_policy_to_run_anything(world: CabinetWorld) -> None:
    client, _ = _signed_in_at(world, "http://127.0.0.1:8000")
    page = client.get(f"/cabinet/leases/{world.leases[0]}").get_data(as_text=True)
    pdf = re.search(r'href="(/cabinet/documents/\d+/invoice)"', page)
    assert pdf

    answer = client.get(pdf.group(1))

    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
