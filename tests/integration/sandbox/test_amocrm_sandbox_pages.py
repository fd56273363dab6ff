"""The sandbox amoCRM account's pages: install from the account (amoMarket's way) and
disable, the lead card (its fields, its widget block, links to the account's own address
opening in the sandbox), and the disposable tokens it mints for the page's user, as amoCRM
would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, request

from crm_mappings.amocrm.disposable_token import audience_for, verify_widget_token
from crm_mappings.amocrm.lifecycle import disable_signature
from sandbox.amocrm.app import create_emulator
from sandbox.amocrm.state import AmoAccount
from sandbox.amocrm.users import MANAGER_ID
from tests.loopback import serve


def test_install_sends_a_fresh_code_to_the_redirect_uri_with_from_widget() -> None:
    heard: list[dict[str, Any]] = []
    rentflow = Flask(__name__)

    @rentflow.get("/amocrm/oauth")
    def oauth() -> str:
        heard.append(request.args.to_dict())
        return "{}"

    with serve(rentflow) as url:
        account = AmoAccount(redirect_uri=f"{url}/amocrm/oauth")
        answer = create_emulator(account).test_client().post("/_account/install")

    assert answer.status_code == 303
    assert account.widget_installed
    (query,) = heard
    assert (query["referer"], query["from_widget"]) == ("rentflow-sandbox.amocrm.ru", "1")
    assert query["code"] in account._codes  # unspent: rentflow trades it next


def test_the_lead_card_shows_the_lead_and_hosts_the_widget_once_installed() -> None:
    account = AmoAccount()
    lead = account.add_lead("Офис 7")
    account.link_company(lead, "ООО «Вектор»", INN="7736050003")
    field_id = account.new_id()
    account.custom_fields[field_id] = {"id": field_id, "name": "rentflow: договор",
                                       "type": "url", "code": "RENTFLOW_LEASE_URL"}  # fmt: skip
    account.leads[lead]["custom_fields_values"] = [{
        "field_id": field_id, "field_name": "rentflow: договор", "field_code": "RENTFLOW_LEASE_URL",
        "field_type": "url",
        "values": [{"value": f"https://rentflow-sandbox.amocrm.ru/leads/detail/{lead}"}],
    }]  # fmt: skip
    client = create_emulator(account).test_client()

    before = client.get(f"/leads/detail/{lead}").get_data(as_text=True)
    account.widget_installed = True
    after = client.get(f"/leads/detail/{lead}").get_data(as_text=True)

    assert "ООО «Вектор», ИНН 7736050003" in before
    assert f'href="/leads/detail/{lead}"' in before  # the account's own address, here
    assert 'id="amo-widget-config"' not in before
    assert 'id="amo-widget-config"' in after
    assert '"area": "lcard"' in after
    assert f'"card": {{"id": {lead}}}' in after


def test_the_disposable_token_is_amocrm_s_for_the_page_s_user() -> None:
    account = AmoAccount(widget_installed=True)
    client = create_emulator(account).test_client()
    client.set_cookie("amo_user", str(MANAGER_ID))

    token = client.post("/_account/disposable_token").get_data(as_text=True)

    caller = verify_widget_token(token, secret=account.client_secret,
                                 audience=audience_for(account.redirect_uri),
                                 now=datetime.now(UTC))  # fmt: skip
    assert (caller.account_id, caller.user_id) == (str(account.account_id), str(MANAGER_ID))


def test_no_token_and_no_widget_files_before_the_integration_is_installed() -> None:
    client = create_emulator(AmoAccount()).test_client()

    assert client.post("/_account/disposable_token").status_code == 403
    assert client.get("/upl/rentflow/widget/script.js").status_code == 404


def test_disable_kills_the_tokens_hides_the_widget_and_sends_the_signed_hook() -> None:
    heard: list[dict[str, Any]] = []
    rentflow = Flask(__name__)

    @rentflow.get("/amocrm/disable")
    def hook() -> str:
        heard.append(request.args.to_dict())
        return "{}"

    with serve(rentflow) as url:
        account = AmoAccount(redirect_uri=f"{url}/amocrm/oauth", widget_installed=True)
        client = create_emulator(account).test_client()
        token = client.post("/oauth2/access_token", json={
            "client_id": account.client_id, "client_secret": account.client_secret,
            "grant_type": "authorization_code", "code": account.issue_code(),
            "redirect_uri": account.redirect_uri,
        }).json["access_token"]  # fmt: skip
        answer = client.post("/_account/disable")

    assert answer.headers["Location"].endswith("/?message=disabled")
    assert not account.widget_installed
    assert not account.access_ok(token)
    (query,) = heard
    expected = disable_signature(account.client_id, str(account.account_id),
                                 account.client_secret)  # fmt: skip
    assert (query["client_uuid"], query["signature"]) == (account.client_id, expected)
