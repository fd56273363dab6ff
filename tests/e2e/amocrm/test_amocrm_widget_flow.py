"""Install rentflow on an emulated amoCRM account and drive it like amoCRM does, over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from backend.domain.lease import LeaseStatus
from backend.domain.portal import PortalStatus
from backend.queued_tasks import DEAL_ACTION, DEAL_CHANGED
from backend.services.crm_sync import STATUS_LABELS_RU, deal_update_for_event, load_mapping
from backend.services.installation import refresh_idle
from crm_mappings.amocrm.lifecycle import disable_signature
from crm_mappings.amocrm.webhooks import webhook_destination
from crm_mappings.mapping import LeaseEvent
from crm_mappings.port import CrmAuthLost, DealComment, LeaseField
from jobs import tasks
from jobs.runtime import set_container
from sandbox.amocrm.sender import (
    digital_pipeline_call,
    disable_integration,
    move_lead,
    status_webhook_form,
)
from tests.e2e.amocrm.world import PIPELINE, World, install, lease_on_lead


def _lease_status(world: World, portal_id: int, lease_id: int) -> LeaseStatus:
    with world.container.uow(portal_id) as uow:
        return uow.leases.get(lease_id).status


def _save_mapping(world: World, token: str) -> requests.Response:
    return requests.post(
        f"{world.rentflow}/amocrm/widget/mapping",
        json={
            "pipeline_id": PIPELINE,
            "statuses": {
                "10002": "booked",
                "10003": "on_signing",
                "10004": "signed",
                "143": "cancelled",
            },
            "events": {"invoice_issued": "10005", "paid": "10006"},
        },
        headers={"X-Auth-Token": token},
        timeout=30,
    )


def test_install_map_move_and_the_lease_follows(world: World) -> None:
    portal_id = install(world)
    assert len(world.account.custom_fields) == len(LeaseField)
    lead = world.account.add_lead("Аренда офиса 101")
    lease_id = lease_on_lead(world, portal_id, lead)
    assert _save_mapping(world, world.token()).status_code == 200

    assert move_lead(world.account, lead, 10004) == [200]
    world.run_queued()
    assert _lease_status(world, portal_id, lease_id) is LeaseStatus.SIGNED

    # a signed lease cannot go back to booked: not forced, explained in a note on the lead
    assert move_lead(world.account, lead, 10002) == [200]
    world.run_queued()
    assert _lease_status(world, portal_id, lease_id) is LeaseStatus.SIGNED
    assert "не переведён" in world.account.notes[-1]["params"]["text"]


def test_a_lease_event_writes_fields_a_note_and_moves_the_lead(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда склада")
    _save_mapping(world, world.token())
    with world.container.uow(portal_id) as uow:
        portal = uow.portals.get(portal_id)
        mapping = load_mapping(uow, PIPELINE)
    crm = world.container.crm(portal)
    update = deal_update_for_event(
        mapping, str(lead), LeaseEvent.INVOICE_ISSUED,
        {LeaseField.INVOICE_ID: "СЧ-7", LeaseField.INVOICE_URL: "https://r.example/d/abc"},
    )  # fmt: skip
    crm.update_deals([update])
    crm.add_comments([DealComment(str(lead), "rentflow: выставлен счёт СЧ-7")])
    invoice_field = world.account.field_id("RENTFLOW_INVOICE_ID")
    assert invoice_field is not None
    assert world.account.field_value(lead, invoice_field) == "СЧ-7"
    assert world.account.leads[lead]["status_id"] == 10005
    assert world.account.notes[-1]["params"]["text"] == "rentflow: выставлен счёт СЧ-7"


def test_reinstall_reuses_the_fields(world: World) -> None:
    first = install(world)
    again = install(world)
    assert first == again
    assert len(world.account.custom_fields) == len(LeaseField)


def test_forged_or_expired_jwt_changes_nothing(world: World) -> None:
    portal_id = install(world)
    forged = world.token(secret="not-the-integration-secret-but-32-bytes-long")
    other_audience = world.token(audience="https://evil.example")
    expired = world.token(now=world.clock.now() - timedelta(hours=2))
    unknown_account = world.token(account_id="123")
    answers = [_save_mapping(world, t).status_code for t in (forged, other_audience, expired,
                                                              unknown_account, "")]  # fmt: skip
    assert answers == [401] * 5
    with world.container.uow(portal_id) as uow:
        assert uow.mappings.all() == {}


def test_webhook_for_an_unknown_account_changes_nothing(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L")
    lease_id = lease_on_lead(world, portal_id, lead)
    _save_mapping(world, world.token())
    world.account.leads[lead]["status_id"] = 10004
    form = status_webhook_form(world.account, lead, 10001)
    form["account[id]"] = "999"
    another = requests.post(world.webhook_url, data=form, timeout=30)
    unknown_url = webhook_destination(world.rentflow, world.container.settings.secret_key, "999")
    unknown = requests.post(unknown_url, data=form, timeout=30)
    assert (another.status_code, unknown.status_code) == (403, 401)
    assert world.queued == []
    assert _lease_status(world, portal_id, lease_id) is LeaseStatus.DRAFT


@pytest.fixture
def test_broker(world: World) -> Iterator[None]:
    """Tasks sent while a test runs go to this test's own SQLite broker."""
    from celery import current_app

    from jobs.celery_app import make_celery

    previous = current_app._get_current_object()
    make_celery(world.container.settings).set_current()
    yield
    previous.set_current()


@pytest.mark.usefixtures("test_broker")
def test_digital_pipeline_issue_invoice_issues_the_lead_s_next_invoice(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L", status_id=10005)
    lease_id = lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    url = f"{world.rentflow}/amocrm/dp"
    answer = digital_pipeline_call(world.account, url, lead, world.dp_settings("issue_invoice"))
    assert answer.status_code == 200
    assert world.queued == [(DEAL_ACTION, portal_id, str(lead), "issue_invoice")]
    world.run_queued()
    with world.container.uow(portal_id) as uow:
        (invoice,) = uow.documents.for_lease(lease_id)
    assert invoice.kind.value == "invoice"
    assert invoice.period.start.isoformat() == "2026-02-01"


def _panel(world: World, lead: int) -> dict[str, Any]:
    answer = requests.get(
        f"{world.rentflow}/amocrm/widget/lead/{lead}",
        headers={"X-Auth-Token": world.token()},
        timeout=30,
    )
    assert answer.status_code == 200
    panel: dict[str, Any] = answer.json()
    return panel


def test_widget_panel_shows_a_draft_lease_and_flags_it(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L")
    lease_on_lead(world, portal_id, lead)
    panel = _panel(world, lead)
    assert panel["lease"]["number"] == "А-15/2026"
    assert panel["debt"] == "0.00"
    assert panel["schedule"] == []  # a draft plans nothing yet
    assert "lease_not_active" in {flag["rule"] for flag in panel["attention"]}


def test_widget_panel_shows_the_schedule_of_a_signed_lease(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L")
    lease_on_lead(world, portal_id, lead, status=LeaseStatus.SIGNED)
    panel = _panel(world, lead)
    assert panel["lease"]["effective_status"] == "active"
    assert panel["schedule"][0]["kind"] == "invoice"
    assert panel["schedule"][0]["period"][0] == "2026-02-01"
    assert "lease_not_active" not in {flag["rule"] for flag in panel["attention"]}
    assert _panel(world, world.account.add_lead("no lease"))["lease"] is None


def test_disabling_the_integration_forgets_the_tokens_and_stops_the_account(
    world: World,
) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L")
    lease_on_lead(world, portal_id, lead)
    account_id = str(world.account.account_id)
    secret = world.container.settings.amocrm_client_secret
    url = f"{world.rentflow}/amocrm/disable"
    forged = [
        {"account_id": account_id, "client_uuid": world.account.client_id, "signature": "x"},
        {"account_id": account_id, "client_uuid": "another-integration",
         "signature": disable_signature("another-integration", account_id, secret)},
    ]  # fmt: skip
    refused = [requests.get(url, params=p, timeout=30).status_code for p in forged]
    still_active = world.container.token_store(portal_id).load()

    disabled = disable_integration(world.account, url)

    assert refused == [401, 401]
    assert still_active.access_token
    assert disabled.status_code == 200
    with world.container.uow() as uow:
        assert uow.portals.get(portal_id).status is PortalStatus.UNINSTALLED
    with pytest.raises(CrmAuthLost):
        world.container.token_store(portal_id).load()  # forgotten
    webhook = requests.post(
        world.webhook_url, data=status_webhook_form(world.account, lead, 10001), timeout=30
    )
    assert webhook.status_code == 401
    calls_before = len(world.account.calls)
    set_container(world.container)
    try:
        tasks.crm_deal_changed(portal_id, str(lead))  # a task queued before: does nothing
    finally:
        set_container(None)
    assert len(world.account.calls) == calls_before


def test_one_webhook_with_several_leads_queues_each_lead_once(world: World) -> None:
    portal_id = install(world)
    form = {
        "leads[status][0][id]": "11",
        "leads[status][0][status_id]": "10004",
        "leads[status][1][id]": "12",
        "leads[update][0][id]": "11",
        "leads[delete][0][id]": "13",
        "account[id]": str(world.account.account_id),
        "account[subdomain]": world.account.subdomain,
    }
    answer = requests.post(world.webhook_url, data=form, timeout=30)
    assert answer.status_code == 200
    assert world.queued == [
        (DEAL_CHANGED, portal_id, "11"),
        (DEAL_CHANGED, portal_id, "12"),
    ]


def test_idle_accounts_are_refreshed_before_their_token_ends(world: World) -> None:
    portal_id = install(world)
    before = world.container.token_store(portal_id).load()
    assert refresh_idle(world.container.install_ports(), "amocrm") == 0
    world.clock.moment = before.expires_at - timedelta(hours=1)
    assert refresh_idle(world.container.install_ports(), "amocrm") == 1
    after = world.container.token_store(portal_id).load()
    assert after.refresh_token != before.refresh_token
    assert after.expires_at > before.expires_at


def test_a_lost_refresh_marks_the_account_and_tells_the_managers(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("L")
    lease_on_lead(world, portal_id, lead)
    before = world.container.token_store(portal_id).load()
    world.account.revoke_all()  # the refresh token is dead on amoCRM's side
    world.clock.moment = before.expires_at - timedelta(hours=1)
    ports = world.container.install_ports()
    assert refresh_idle(ports, "amocrm") == 0
    assert refresh_idle(ports, "amocrm") == 0  # twice the same day: one email
    with world.container.uow() as uow:
        assert uow.portals.get(portal_id).status.value == "auth_lost"
        (message,) = [
            m for m in uow.outbox.list(portal_id=portal_id) if m.kind == "portal_auth_lost"
        ]
    assert message.recipients == ("manager@romashka.example",)
    assert "amoCRM отклонил" in message.body_text


def _lease_example() -> dict[str, Any]:
    doc = Path(__file__).resolve().parents[3] / "docs" / "lease-input.md"
    match = re.search(r"```json\n(.*?)```", doc.read_text("utf-8"), re.DOTALL)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_a_lease_is_created_from_the_lead_card(world: World) -> None:
    portal_id = install(world)
    lead = world.account.add_lead("Аренда офиса 7")
    url = f"{world.rentflow}/amocrm/widget/lead/{lead}/lease"

    def post(body: dict[str, Any]) -> requests.Response:  # a new token per call, as amoCRM
        return requests.post(url, json=body, headers={"X-Auth-Token": world.token()}, timeout=30)

    created, again, bad = post(_lease_example()), post(_lease_example()), post({"number": "x"})
    assert created.status_code == 201, created.text
    assert (again.status_code, bad.status_code) == (409, 400)
    with world.container.uow(portal_id) as uow:
        lease = uow.leases.by_deal(str(lead))
    assert lease is not None
    assert lease.id == created.json()["lease_id"]
    status_field = world.account.field_id("RENTFLOW_LEASE_STATUS")
    assert status_field is not None
    assert world.account.field_value(lead, status_field) == STATUS_LABELS_RU[lease.status]


def test_the_panel_starts_a_lease_from_the_tenant_amocrm_knows(world: World) -> None:
    install(world)
    lead = world.account.add_lead("Аренда офиса 12")
    world.account.link_company(lead, 'ООО "Василёк"', INN="7728168971", KPP="772801001")
    world.account.link_contact(lead, "Орлова Мария", EMAIL="buh@vasilek.example")
    tenant = world.web_get(f"/amocrm/widget/lead/{lead}/tenant")["tenant"]
    assert tenant == {"name": 'ООО "Василёк"', "inn": "7728168971", "kpp": "772801001",
                      "emails": ["buh@vasilek.example"]}  # fmt: skip
