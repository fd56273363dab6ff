"""The amoCRM emulator answers like amoCRM: OAuth grants, 401/429, PATCH limits and shapes."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.sender import disable_integration, move_lead
from sandbox.amocrm.state import AmoAccount
from tests.loopback import serve


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def account(clock: Clock) -> AmoAccount:
    return AmoAccount(clock=clock, rate_limit=1000)


@pytest.fixture
def client(account: AmoAccount) -> FlaskClient:
    return create_emulator(account).test_client()


def _tokens(client: FlaskClient, account: AmoAccount) -> dict[str, Any]:
    answer = client.post(
        "/oauth2/access_token",
        json={
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "authorization_code",
            "code": account.issue_code(),
            "redirect_uri": account.redirect_uri,
        },
    )
    assert answer.status_code == 200
    return dict(answer.json or {})


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_code_exchange_gives_a_bearer_pair_and_the_code_is_spent(
    client: FlaskClient, account: AmoAccount
) -> None:
    code = account.issue_code()
    form = {
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": account.redirect_uri,
    }
    first = client.post("/oauth2/access_token", data=form)
    second = client.post("/oauth2/access_token", data=form)
    assert first.status_code == 200
    assert first.json is not None
    assert first.json["token_type"] == "Bearer"
    assert first.json["expires_in"] == 86_400
    assert second.status_code == 400


def test_refresh_token_works_once(client: FlaskClient, account: AmoAccount) -> None:
    tokens = _tokens(client, account)
    form = {
        "client_id": account.client_id,
        "client_secret": account.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "redirect_uri": account.redirect_uri,
    }
    assert client.post("/oauth2/access_token", json=form).status_code == 200
    assert client.post("/oauth2/access_token", json=form).status_code == 400


def test_expired_access_token_is_answered_401(
    client: FlaskClient, account: AmoAccount, clock: Clock
) -> None:
    tokens = _tokens(client, account)
    assert client.get("/api/v4/account", headers=_auth(tokens)).status_code == 200
    clock.now += 86_401
    assert client.get("/api/v4/account", headers=_auth(tokens)).status_code == 401


def test_more_than_seven_requests_in_a_second_get_429(clock: Clock) -> None:
    account = AmoAccount(clock=clock)
    client = create_emulator(account).test_client()
    headers = _auth(_tokens(client, account))
    codes = [client.get("/api/v4/account", headers=headers).status_code for _ in range(8)]
    clock.now += 1.0
    later = client.get("/api/v4/account", headers=headers).status_code
    assert codes == [200] * 7 + [429]
    assert later == 200


def test_patch_updates_status_and_custom_fields(client: FlaskClient, account: AmoAccount) -> None:
    headers = _auth(_tokens(client, account))
    created = client.post(
        "/api/v4/leads/custom_fields",
        json=[{"name": "rentflow: debt", "type": "text", "code": "RENTFLOW_DEBT"}],
        headers=headers,
    )
    assert created.json is not None
    field_id = created.json["_embedded"]["custom_fields"][0]["id"]
    lead_id = account.add_lead("Аренда офиса 12")
    answer = client.patch(
        "/api/v4/leads",
        json=[
            {
                "id": lead_id,
                "status_id": 10004,
                "custom_fields_values": [{"field_id": field_id, "values": [{"value": "100.00"}]}],
            }
        ],
        headers=headers,
    )
    assert answer.status_code == 200
    assert account.leads[lead_id]["status_id"] == 10004
    assert account.field_value(lead_id, field_id) == "100.00"


def test_patch_of_51_leads_or_unknown_status_is_400(
    client: FlaskClient, account: AmoAccount
) -> None:
    headers = _auth(_tokens(client, account))
    lead_id = account.add_lead("L")
    too_many = client.patch("/api/v4/leads", json=[{"id": lead_id}] * 51, headers=headers)
    bad_status = client.patch(
        "/api/v4/leads", json=[{"id": lead_id, "status_id": 1}], headers=headers
    )
    assert too_many.status_code == 400
    assert bad_status.status_code == 400
    assert bad_status.json is not None
    assert bad_status.json["validation-errors"][0]["errors"][0]["path"] == "status_id"
    assert account.leads[lead_id]["status_id"] == 10001


def test_lead_list_pages_with_links_next(client: FlaskClient, account: AmoAccount) -> None:
    headers = _auth(_tokens(client, account))
    for n in range(3):
        account.add_lead(f"L{n}")
    first = client.get("/api/v4/leads?limit=2", headers=headers)
    assert first.json is not None
    second = client.get(first.json["_links"]["next"]["href"], headers=headers)
    assert second.json is not None
    assert len(first.json["_embedded"]["leads"]) == 2
    assert len(second.json["_embedded"]["leads"]) == 1
    assert "next" not in second.json["_links"]
    assert client.get("/api/v4/leads/1", headers=headers).status_code == 204


def test_pipelines_carry_won_and_lost_statuses(client: FlaskClient, account: AmoAccount) -> None:
    answer = client.get("/api/v4/leads/pipelines", headers=_auth(_tokens(client, account)))
    assert answer.json is not None
    statuses = answer.json["_embedded"]["pipelines"][0]["_embedded"]["statuses"]
    assert {142, 143} <= {s["id"] for s in statuses}


def test_notes_and_tasks_are_stored_for_a_lead(client: FlaskClient, account: AmoAccount) -> None:
    headers = _auth(_tokens(client, account))
    lead_id = account.add_lead("L")
    note = client.post(
        "/api/v4/leads/notes",
        json=[{"entity_id": lead_id, "note_type": "common", "params": {"text": "hi"}}],
        headers=headers,
    )
    task = client.post(
        "/api/v4/tasks",
        json=[{"entity_id": lead_id, "entity_type": "leads", "text": "call", "complete_till": 1}],
        headers=headers,
    )
    assert (note.status_code, task.status_code) == (200, 200)
    assert account.notes[0]["params"]["text"] == "hi"
    assert account.tasks[0]["text"] == "call"


def test_a_lead_s_notes_are_listed_and_a_lead_without_notes_answers_204(
    client: FlaskClient, account: AmoAccount
) -> None:
    headers = _auth(_tokens(client, account))
    lead_id, quiet = account.add_lead("L"), account.add_lead("Q")
    client.post(
        "/api/v4/leads/notes",
        json=[{"entity_id": lead_id, "note_type": "common", "params": {"text": "hi"}}],
        headers=headers,
    )
    listed = client.get(f"/api/v4/leads/{lead_id}/notes", headers=headers)
    empty = client.get(f"/api/v4/leads/{quiet}/notes", headers=headers)
    assert listed.status_code == 200
    (note,) = (listed.json or {})["_embedded"]["notes"]
    assert (note["entity_id"], note["params"]["text"]) == (lead_id, "hi")
    assert empty.status_code == 204


def test_disabling_the_integration_kills_its_tokens_and_sends_a_signed_hook(
    client: FlaskClient, account: AmoAccount
) -> None:
    tokens = _tokens(client, account)
    received: list[dict[str, str]] = []
    receiver = Flask(__name__)

    @receiver.get("/disable")
    def hook() -> str:
        received.append(request.args.to_dict())
        return "ok"

    with serve(receiver) as url:
        answer = disable_integration(account, f"{url}/disable")
    refresh = client.post(
        "/oauth2/access_token",
        json={"client_id": account.client_id, "client_secret": account.client_secret,
              "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
              "redirect_uri": account.redirect_uri},
    )  # fmt: skip
    api = client.get("/api/v4/account", headers=_auth(tokens))
    (hook_args,) = received
    message = f"{account.client_id}|{account.account_id}".encode()
    expected = hmac.new(account.client_secret.encode(), message, hashlib.sha256).hexdigest()
    assert answer.status_code == 200
    assert hook_args == {
        "account_id": str(account.account_id),
        "client_uuid": account.client_id,
        "signature": expected,
    }
    assert (api.status_code, refresh.status_code) == (401, 400)


def test_the_front_page_shows_the_account_and_links_to_rentflow_s_install_page(
    client: FlaskClient, account: AmoAccount
) -> None:
    account.add_lead("Офис 101")
    page = client.get("/").get_data(as_text=True)
    assert "Аренда" in page
    assert "Офис 101" in page
    assert 'href="http://127.0.0.1:8000/amocrm/install"' in page


def _grant(client: FlaskClient, account: AmoAccount, **overrides: str) -> Any:
    body = {
        "client_id": account.client_id, "client_secret": account.client_secret,
        "grant_type": "authorization_code", "code": account.issue_code(),
        "redirect_uri": account.redirect_uri, **overrides,
    }  # fmt: skip
    return client.post("/oauth2/access_token", json=body)


def test_the_authorization_page_hands_code_referer_and_state_to_the_redirect_uri(
    client: FlaskClient, account: AmoAccount
) -> None:
    answer = client.get(f"/oauth?client_id={account.client_id}&state=s-1&mode=post_message")
    unknown = client.get("/oauth?client_id=someone-else&state=s-1")
    target = urlsplit(answer.headers["Location"])
    query = parse_qs(target.query)
    assert answer.status_code == 302
    assert f"{target.scheme}://{target.netloc}{target.path}" == account.redirect_uri
    assert (query["referer"], query["state"]) == ([account.base_url_host], ["s-1"])
    assert _grant(client, account, code=query["code"][0]).status_code == 200
    assert unknown.status_code == 400


def test_the_token_endpoint_refuses_another_redirect_uri_and_bad_credentials_as_amocrm(
    client: FlaskClient, account: AmoAccount
) -> None:
    other_uri = _grant(client, account, redirect_uri="https://evil.example/amocrm/oauth")
    bad_secret = _grant(client, account, client_secret="not-it")
    assert other_uri.status_code == 400
    assert other_uri.json is not None
    assert other_uri.json["title"] == "Некорректный запрос"
    assert other_uri.json["type"] == "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
    assert bad_secret.status_code == 401
    assert bad_secret.json == {
        "title": "Некорректный клиент",
        "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
        "status": 401,
        "detail": "Авторизация клиента не прошла",
    }


def test_a_lead_s_contacts_come_only_with_with_contacts(
    client: FlaskClient, account: AmoAccount
) -> None:
    headers = _auth(_tokens(client, account))
    lead_id = account.add_lead("L")
    company = account.link_company(lead_id, 'ООО "Лютик"', INN="7701234567")
    contact = account.link_contact(lead_id, "Орлова Мария", EMAIL="m@lutik.example")
    plain = client.get(f"/api/v4/leads/{lead_id}", headers=headers).json or {}
    full = client.get(f"/api/v4/leads/{lead_id}?with=contacts", headers=headers).json or {}
    read = client.get(f"/api/v4/companies/{company}", headers=headers).json or {}
    assert "contacts" not in plain["_embedded"]
    assert plain["_embedded"]["companies"] == [{"id": company}]
    assert full["_embedded"]["contacts"] == [{"id": contact, "is_main": True}]
    assert read["custom_fields_values"][0]["values"] == [{"value": "7701234567"}]


def test_a_url_field_refuses_a_value_that_is_not_a_url(
    client: FlaskClient, account: AmoAccount
) -> None:
    headers = _auth(_tokens(client, account))
    created = client.post(
        "/api/v4/leads/custom_fields",
        json=[{"name": "rentflow: счёт", "type": "url", "code": "RENTFLOW_INVOICE_URL"}],
        headers=headers,
    )
    field_id = (created.json or {})["_embedded"]["custom_fields"][0]["id"]
    lead_id = account.add_lead("L")

    def patch(value: str) -> Any:
        values = [{"field_id": field_id, "values": [{"value": value}]}]
        body = [{"id": lead_id, "custom_fields_values": values}]
        return client.patch("/api/v4/leads", json=body, headers=headers)

    refused, accepted = patch("СЧ-7"), patch("https://rent.example/d/abc")
    assert refused.status_code == 400
    assert (refused.json or {})["validation-errors"][0]["errors"][0]["path"].endswith(".value")
    assert accepted.status_code == 200
    assert account.field_value(lead_id, field_id) == "https://rent.example/d/abc"


def test_webhooks_are_subscribed_listed_and_removed_through_the_api(
    client: FlaskClient, account: AmoAccount
) -> None:
    headers = _auth(_tokens(client, account))
    hook = {"destination": "https://rent.example/amocrm/webhook/1/s", "settings": ["status_lead"]}
    added = client.post("/api/v4/webhooks", json=hook, headers=headers)
    listed = client.get(
        "/api/v4/webhooks", query_string={"filter[destination]": hook["destination"]},
        headers=headers,
    )  # fmt: skip
    bad = client.post("/api/v4/webhooks", json={"destination": "nope", "settings": ["x"]},
                      headers=headers)  # fmt: skip
    urls_before = account.webhook_urls
    removed = client.delete("/api/v4/webhooks", json={"destination": hook["destination"]},
                            headers=headers)  # fmt: skip
    assert added.status_code == 200
    assert (listed.json or {})["_embedded"]["webhooks"][0]["settings"] == ["status_lead"]
    assert bad.status_code == 400
    assert urls_before == [hook["destination"]]
    assert removed.status_code == 204
    assert client.get("/api/v4/webhooks", headers=headers).status_code == 204


def test_a_moved_lead_is_posted_only_to_webhooks_on_rentflow_s_origin(account: AmoAccount) -> None:
    received: list[str] = []
    receiver = Flask(__name__)

    @receiver.post("/<path:path>")
    def hook(path: str) -> str:
        received.append(f"/{path}")
        return "ok"

    lead = account.add_lead("L")
    with serve(receiver) as url:
        account.redirect_uri = f"{url}/amocrm/oauth"
        account.add_webhook(f"{url}/amocrm/webhook/30000001/s", ["status_lead"])
        account.add_webhook("http://127.0.0.2:9/elsewhere", ["status_lead"])
        answers = move_lead(account, lead, 10004)
    assert answers == [200]
    assert received == ["/amocrm/webhook/30000001/s"]
