"""Operator pages: the token by header or sign-in cookie only (never in a URL), a form token
on every state-changing request, and 400 for bad filter values."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from flask import Flask

from backend.bootstrap import Container
from backend.web.app import create_app
from backend.web.operator import COOKIE
from tests.operator_client import form_token, operator_client
from tests.payments_world import build_world, statement_file

TOKEN = "own-operator-token"


def _production(container: Container) -> Flask:
    settings = container.settings.with_(sandbox=False, admin_token=TOKEN)
    return create_app(container=replace(container, settings=settings))


def _payments(container: Container, portal_id: int) -> int:
    with container.uow(portal_id) as uow:
        return len(uow.payments.not_fully_allocated()) + len(
            [d for d in uow.documents.list() if d.status == "paid"]
        )


def test_the_token_in_a_url_opens_nothing(container: Container) -> None:
    client = _production(container).test_client()
    assert client.get(f"/api/attention?token={TOKEN}").status_code == 401
    assert client.get(f"/runs?token={TOKEN}").status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/attention", headers=bearer).status_code == 200
    wrong = {"Authorization": "Bearer own-operator-tokeN"}
    assert client.get("/api/attention", headers=wrong).status_code == 401


def test_signing_in_sets_an_http_only_strict_cookie_that_opens_the_pages(
    container: Container,
) -> None:
    app = _production(container)
    client = app.test_client()
    csrf = form_token(client.get("/operator/login").get_data(as_text=True))
    refused = client.post("/operator/login", data={"csrf": csrf, "token": "guess"})
    assert refused.status_code == 401
    assert "Set-Cookie" not in refused.headers or COOKIE not in refused.headers["Set-Cookie"]
    answer = client.post("/operator/login", data={"csrf": csrf, "token": TOKEN, "next": "/runs"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/runs"
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert TOKEN not in cookie
    assert client.get("/attention").status_code == 200
    assert client.get("/api/attention").status_code == 200


def test_a_sign_in_without_the_forms_token_or_to_another_site_is_refused(
    container: Container,
) -> None:
    client = _production(container).test_client()
    assert client.post("/operator/login", data={"token": TOKEN}).status_code == 400
    csrf = form_token(client.get("/operator/login").get_data(as_text=True))
    answer = client.post(
        "/operator/login", data={"csrf": csrf, "token": TOKEN, "next": "//evil.example/x"}
    )
    assert answer.headers["Location"] == "/attention"


def test_a_new_admin_token_signs_every_operator_out(container: Container) -> None:
    client = operator_client(_production(container), TOKEN)
    assert client.get("/runs").status_code == 200
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    settings = container.settings.with_(sandbox=False, admin_token="rotated-token")
    stale = create_app(container=replace(container, settings=settings)).test_client()
    stale.set_cookie(COOKIE, cookie.value)  # the same browser after the token was changed
    assert stale.get("/runs").status_code == 401


@pytest.mark.parametrize("production", [False, True], ids=["sandbox", "production"])
def test_a_cross_site_statement_upload_is_refused_and_imports_nothing(
    container: Container, production: bool
) -> None:
    world = build_world(container)
    app = _production(container) if production else create_app(container=container)
    browser = operator_client(app, TOKEN if production else "")
    browser.environ_base.pop("HTTP_X_CSRF_TOKEN")  # the other site cannot read the token
    before = _payments(container, world.portal_id)
    upload = browser.post(
        f"/portals/{world.portal_id}/payments/statements",
        data={"file": (io.BytesIO(statement_file("DOS")), "kl_to_1c.txt")},
    )
    assert upload.status_code == 400
    forged = browser.post(
        f"/portals/{world.portal_id}/payments/statements",
        data={"file": (io.BytesIO(statement_file("DOS")), "kl_to_1c.txt"), "csrf": "forged"},
    )
    assert forged.status_code == 400
    assert _payments(container, world.portal_id) == before
    exported = browser.post(f"/portals/{world.portal_id}/onec/exports", json={"month": "2026-02"})
    assert exported.status_code == 400
    assert browser.post("/runs", data={"portal": str(world.portal_id)}).status_code == 400
    allocation = browser.post(
        f"/portals/{world.portal_id}/payments/1/allocations", json={"amount": "1", "lease_id": 1}
    )
    assert allocation.status_code == 400


def test_the_same_upload_with_the_pages_token_is_imported(container: Container) -> None:
    world = build_world(container)
    browser = operator_client(_production(container), TOKEN)
    upload = browser.post(
        f"/portals/{world.portal_id}/payments/statements",
        data={"file": (io.BytesIO(statement_file("DOS")), "kl_to_1c.txt")},
    )
    assert upload.status_code == 200, upload.get_data(as_text=True)
    assert upload.get_json()["invoices_paid"]


@pytest.mark.parametrize(
    "query",
    ["landlord=-1", "landlord=x", "landlord=0", "portal=x", "portal=-3", "date=garbage",
     "date=2026-13-01", "landlord=１"],
)  # fmt: skip
def test_a_bad_filter_value_is_a_400(container: Container, query: str) -> None:
    build_world(container)
    client = create_app(container=container).test_client()
    answer = client.get(f"/api/attention?{query}")
    assert answer.status_code == 400
    assert "bad filter" in answer.get_data(as_text=True)
    assert client.get(f"/attention?{query}").status_code == 400


def test_a_landlord_of_no_portal_filters_everything_out(container: Container) -> None:
    build_world(container)
    answer = create_app(container=container).test_client().get("/api/attention?landlord=999")
    assert answer.status_code == 200
    assert answer.json is not None
    assert all(not portal["items"] for portal in answer.json["portals"])


def test_healthz_tells_anyone_which_parts_are_healthy_and_only_the_operator_why(
    container: Container,
) -> None:
    """A load balancer needs the status; the details name files, hosts and counts."""
    client = _production(container).test_client()
    public = client.get("/healthz")
    parts = public.get_json()["parts"]
    assert set(parts) >= {"worker", "broker", "outbox"}
    assert all(set(part) == {"ok"} for part in parts.values()), parts
    assert public.get_json()["status"] in {"ok", "unhealthy"}
    operator = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert all("detail" in part for part in operator.get_json()["parts"].values())
    forged = client.get("/healthz", headers={"Authorization": "Bearer own-operator-tokeN"})
    assert all(set(part) == {"ok"} for part in forged.get_json()["parts"].values())
