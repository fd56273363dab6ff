"""rentflow installed on an emulated Bitrix24 portal, driven the way a portal drives it."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
import requests

from backend.domain.billing import BillingPeriod, DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.domain.portal import Portal, PortalStatus
from backend.ports import FixedClock
from backend.services.crm_push import push_document_issued
from backend.services.leases import register_lease
from tests import factories
from tests.e2e.bitrix24.conftest import World, wait_for

MAPPING = {
    "status:0:NEW": "draft",
    "status:0:PREPARATION": "booked",
    "status:0:PREPAYMENT_INVOICE": "on_signing",
    "status:0:EXECUTING": "signed",
    "status:0:LOSE": "cancelled",
    "event:0:invoice_issued": "FINAL_INVOICE",
}


def _install(world: World) -> Portal:
    answer = world.act("install")
    assert answer["status"] == 200
    assert answer["installed"] is True  # the page called BX24.installFinish()
    with world.container.uow() as uow:
        portal = uow.portals.find("bitrix24", world.portal.member_id)
    assert portal is not None
    return portal


def _lease_on_new_deal(
    world: World, portal: Portal, status: LeaseStatus = LeaseStatus.DRAFT
) -> tuple[str, int]:
    deal_id = str(world.portal.add_deal({"title": "Аренда офиса 101"})["id"])
    with world.container.uow(portal.id) as uow:
        lease = factories.lease(status=status)
        registered = register_lease(
            uow, world.container.clock, lease, crm_deal_id=deal_id, crm_pipeline_id="0"
        )
        uow.commit()
    return deal_id, registered.lease_id


def _lease_status(world: World, portal: Portal, lease_id: int) -> LeaseStatus:
    with world.container.uow(portal.id) as uow:
        return uow.leases.get(lease_id).status


def _map_stages(world: World) -> str:
    page = world.act("placements/DEFAULT/open")
    assert page["status"] == 200
    frame = re.search(r"[?&;]t=([^&\"]+)", page["body"])  # the workspace's links carry it
    assert frame is not None
    section = requests.get(
        f"{world.app_url}workspace/pipelines", params={"t": frame.group(1)}, timeout=60
    )
    assert "Счета аренды" in section.text  # both pipelines are offered
    saved = requests.post(
        f"{world.app_url}workspace/pipelines",
        data={"t": frame.group(1), **MAPPING},
        timeout=60,
    )
    assert saved.status_code == 200
    return frame.group(1)


def test_install_binds_the_portal_once_and_reinstall_duplicates_nothing(world: World) -> None:
    _install(world)
    _install(world)

    state = requests.get(f"{world.portal_url}_portal/state", timeout=30).json()
    assert sorted(e["event"] for e in state["events"]) == [
        "ONAPPUNINSTALL", "ONAPPUPDATE", "ONCRMDEALADD", "ONCRMDEALDELETE", "ONCRMDEALUPDATE",
        "ONTASKUPDATE",
    ]  # fmt: skip
    # the deal tab, and the app by a link (the deal's lease link opens the lease card)
    assert [p["placement"] for p in state["placements"]] == ["CRM_DEAL_DETAIL_TAB", "REST_APP_URI"]
    assert len(state["userfields"]) == 9
    assert len(state["robots"]) == 4


def test_moving_the_deal_moves_the_lease_and_a_forged_event_changes_nothing(
    world: World,
) -> None:
    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal)
    _map_stages(world)

    world.act(f"deals/{deal_id}/move", stageId="PREPARATION")
    assert wait_for(lambda: _lease_status(world, portal, lease_id) is LeaseStatus.BOOKED)
    world.act(f"deals/{deal_id}/move", stageId="EXECUTING")
    assert wait_for(lambda: _lease_status(world, portal, lease_id) is LeaseStatus.SIGNED)

    # signed -> draft is not allowed: the lease stays, the deal gets a timeline comment
    world.act(f"deals/{deal_id}/move", stageId="NEW")
    assert wait_for(lambda: world.portal.comments)
    assert "не переведён" in world.portal.comments[0]["COMMENT"]
    assert _lease_status(world, portal, lease_id) is LeaseStatus.SIGNED

    world.portal.deals[int(deal_id)]["stageId"] = "LOSE"
    forged = requests.post(
        f"{world.app_url}bitrix24/events",
        data={
            "event": "ONCRMDEALUPDATE",
            "data[FIELDS][ID]": deal_id,
            "auth[member_id]": world.portal.member_id,
            "auth[application_token]": "not-the-token",
            "ts": str(int(world.portal.now())),
        },
        timeout=30,
    )
    assert forged.status_code == 401
    assert _lease_status(world, portal, lease_id) is LeaseStatus.SIGNED


def test_an_issued_invoice_shows_on_the_deal_and_in_the_tab(world: World) -> None:
    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal, LeaseStatus.SIGNED)
    _map_stages(world)
    with world.container.uow(portal.id) as uow:
        invoice = uow.documents.add(_invoice(lease_id))
        uow.commit()
    assert invoice.id is not None

    url = f"{world.app_url}documents/tok-1"
    push_document_issued(
        world.container.uow(portal.id), world.container.clock,
        world.container.crm(portal), invoice.id, url,
    )  # fmt: skip

    deal = world.portal.deals[int(deal_id)]
    assert deal["UF_CRM_RENTFLOW_INVOICE_ID"] == "С-7"
    assert deal["UF_CRM_RENTFLOW_INVOICE_URL"] == url
    assert deal["stageId"] == "FINAL_INVOICE"
    assert "счёт № С-7" in world.portal.comments[-1]["COMMENT"]

    tab = world.act("placements/CRM_DEAL_DETAIL_TAB/open", options={"ID": deal_id}, lang="en")
    assert tab["status"] == 200
    assert "А-15/2026" in tab["body"]
    assert "С-7" in tab["body"]
    assert "Issue the next invoice now" in tab["body"]
    assert "Mar 1, 2026 — Mar 31, 2026" in tab["body"]  # the stored schedule
    assert 'data-rule="lease_without_original"' in tab["body"]  # needs attention


@pytest.mark.both_databases
def test_the_billing_run_issues_the_invoice_and_the_deal_gets_its_number_links_and_stage(
    world: World,
) -> None:
    portal = _install(world)
    deal_id, _ = _lease_on_new_deal(world, portal, LeaseStatus.SIGNED)
    _map_stages(world)

    world.celery.send_task("jobs.tasks.billing_run_portal", args=(portal.id, "2026-02-01"))

    deal = world.portal.deals[int(deal_id)]

    def told() -> bool:
        # the push is one batch the emulator applies command by command: wait for its last
        # write (the comment), not only its first (the field), or the check races the batch
        number = deal.get("UF_CRM_RENTFLOW_INVOICE_ID")
        return bool(number) and any(number in c["COMMENT"] for c in world.portal.comments)

    assert wait_for(told, timeout=120)
    assert deal["stageId"] == "FINAL_INVOICE"
    assert deal["UF_CRM_RENTFLOW_INVOICE_URL"].startswith(f"{world.app_url}d/")
    assert deal["UF_CRM_RENTFLOW_QR_INVOICE_URL"].startswith(f"{world.app_url}d/")
    pdf = requests.get(deal["UF_CRM_RENTFLOW_INVOICE_URL"], timeout=60)
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert deal["UF_CRM_RENTFLOW_INVOICE_ID"] in world.portal.comments[-1]["COMMENT"]


def test_a_robot_returns_its_values_to_the_business_process(world: World) -> None:
    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal)
    with world.container.uow(portal.id) as uow:
        uow.documents.add(_invoice(lease_id))
        uow.commit()

    answer = world.act("robots/rentflow_check_payment/run", deal_id=deal_id)

    assert answer["status"] == 200
    assert wait_for(lambda: world.portal.bizproc_events)
    assert world.portal.bizproc_events[0]["return_values"] == {
        "STATUS": "due",
        "DEBT": "122000.00",
    }


def test_the_issue_invoice_robot_issues_the_next_invoice_and_returns_its_number_and_link(
    world: World,
) -> None:
    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal, LeaseStatus.SIGNED)

    answer = world.act("robots/rentflow_issue_invoice/run", deal_id=deal_id)

    assert answer["status"] == 200
    assert wait_for(lambda: world.portal.bizproc_events, timeout=120)
    values = world.portal.bizproc_events[0]["return_values"]
    with world.container.uow(portal.id) as uow:
        invoices = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    assert [i.number for i in invoices] == [values["INVOICE_ID"]]
    assert values["STATUS"] == "issued"
    assert values["INVOICE_URL"].startswith(f"{world.app_url}d/")
    deal = world.portal.deals[int(deal_id)]
    assert wait_for(lambda: deal.get("UF_CRM_RENTFLOW_INVOICE_ID") == values["INVOICE_ID"])


def test_foreign_frames_and_robot_calls_get_401(world: World) -> None:
    _install(world)

    tab = world.act("placements/CRM_DEAL_DETAIL_TAB/open", options={"ID": "1"}, auth_id="stolen")
    robot = world.act("robots/rentflow_check_payment/run", deal_id="1", application_token="x")

    assert tab["status"] == 401
    assert robot["status"] == 401
    assert world.portal.bizproc_events == []


def test_uninstall_forgets_the_tokens_and_keeps_the_portal_row(world: World) -> None:
    portal = _install(world)

    world.act("uninstall")

    with world.container.uow() as uow:
        assert uow.portals.get(portal.id or 0).status is PortalStatus.UNINSTALLED


def _invoice(lease_id: int) -> IssuedDocument:
    period = BillingPeriod(date(2026, 2, 1), date(2026, 2, 28))
    return IssuedDocument(
        lease_id=lease_id,
        kind=DocumentKind.INVOICE,
        number="С-7",
        issued_on=date(2026, 1, 27),
        period=period,
        lines=(),
        net=Money(Decimal("100000.00")),
        vat=Money(Decimal("22000.00")),
        total=Money(Decimal("122000.00")),
        due_on=date(2026, 2, 5),
        public_token="tok-1",
    )


def test_a_lease_is_created_from_the_deal_tab_with_the_full_form(world: World) -> None:
    portal = _install(world)
    deal_id = str(world.portal.add_deal({"title": "Склад 7", "assignedById": 7,
                                         "companyId": 1})["id"])  # fmt: skip
    with world.container.uow(portal.id) as uow:
        landlord = uow.parties.add_landlord(factories.landlord())
        uow.commit()
    tab = world.act("placements/CRM_DEAL_DETAIL_TAB/open", options={"ID": deal_id})
    link = re.search(r'id="create-lease" href="([^"]+)"', tab["body"])
    assert link is not None
    form_url = html.unescape(link.group(1))
    shown = requests.get(form_url, timeout=60)
    assert 'value="ООО &#34;Василёк&#34;"' in shown.text  # the deal's company, prefilled
    token = re.search(r'name="t" value="([^"]+)"', shown.text)
    assert token is not None

    created = requests.post(
        form_url,
        data={
            "t": token.group(1), "landlord": str(landlord), "number": "С-7/2026",
            "signed_on": "2026-01-20", "start": "2026-02-01", "end": "2026-12-31",
            "rent_basis": "per_month", "rent": "80000", "vat": "22", "vat_included": "1",
            "premises_code": "7", "area": "120", "billing_unit": "quarter", "billing_every": "1",
            "issue_anchor": "before_start", "issue_days": "5", "due_anchor": "after_issue",
            "due_days": "10", "auto_send": "1", "tenant_kind": "legal_entity",
            "tenant_name": 'ООО "Василёк"', "tenant_inn": "7728168971",
            "tenant_emails": "buh@vasilek.example", "manager": "7", "supervisor": "9",
        },
        timeout=60,
    )  # fmt: skip

    assert created.status_code == 200  # the card, after the redirect
    assert "С-7/2026" in created.text
    with world.container.uow(portal.id) as uow:
        lease = uow.leases.by_deal(deal_id)
    assert lease is not None
    assert lease.status is LeaseStatus.DRAFT
    assert lease.auto_send
    assert lease.due_rule.days == 10
    assert lease.manager is not None
    assert (lease.manager.crm_user_id, lease.manager.email) == ("7", "manager@portal.example")
    again = world.act("placements/CRM_DEAL_DETAIL_TAB/open", options={"ID": deal_id})
    assert 'id="open-card"' in again["body"]


@pytest.mark.both_databases
def test_a_statement_uploaded_to_the_app_moves_the_paid_invoices_deal_through_the_worker(
    world: World,
) -> None:
    from sandbox.onec.bank_files import render_statement
    from tests.payments_world import doc

    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal, LeaseStatus.SIGNED)
    with world.container.uow(portal.id) as uow:
        uow.mappings.save("0", {}, {"paid": "WON"})
        uow.documents.add(_invoice(lease_id))
        landlord = uow.leases.get(lease_id).landlord
        uow.commit()
    paid = doc("31", "122000.00", "Оплата по счету № С-7 от 27.01.2026 за аренду")
    statement = render_statement(
        [paid], account=landlord.bank.account, start=date(2026, 2, 1), end=date(2026, 2, 28)
    )
    operator = requests.Session()  # the operator's browser: the page's form token rides along
    page = operator.get(f"{world.app_url}portals/{portal.id}/payments/", timeout=60).text
    csrf = re.search(r'name="csrf" content="([^"]+)"', page)
    assert csrf is not None, page
    answer = operator.post(
        f"{world.app_url}portals/{portal.id}/payments/statements",
        files={"file": ("kl_to_1c.txt", statement)},
        headers={"X-CSRF-Token": csrf.group(1)},
        timeout=60,
    )
    assert answer.status_code == 200
    assert answer.json()["invoices_paid"] == ["С-7"]

    deal = world.portal.deals[int(deal_id)]
    assert wait_for(lambda: deal["stageId"] == "WON", timeout=60)


def test_a_paid_move_whose_task_was_lost_is_pushed_by_the_sweep(
    world: World, clock: FixedClock
) -> None:
    import io
    from datetime import timedelta

    from backend.services.payments import import_statement
    from sandbox.onec.bank_files import render_statement
    from tests.payments_world import doc

    portal = _install(world)
    deal_id, lease_id = _lease_on_new_deal(world, portal, LeaseStatus.SIGNED)
    paid = doc("32", "122000.00", "Оплата по счету № С-7 от 27.01.2026 за аренду")
    with world.container.uow(portal.id) as uow:
        uow.mappings.save("0", {}, {"paid": "WON"})
        uow.documents.add(_invoice(lease_id))
        account = uow.leases.get(lease_id).landlord.bank.account
        statement = render_statement(
            [paid], account=account, start=date(2026, 2, 1), end=date(2026, 2, 28)
        )
        import_statement(uow, world.container.clock, io.BytesIO(statement))  # no queue: lost
        uow.commit()
    clock.set(clock.now() + timedelta(minutes=31))  # the world's clock: the sweep's grace

    world.celery.send_task("jobs.tasks.crm_push_sweep")

    deal = world.portal.deals[int(deal_id)]
    assert wait_for(lambda: deal["stageId"] == "WON", timeout=60)
