"""The leases section in the sandbox Bitrix24 portal, in a real browser: from a deal's tab to
the lease form (a wrong INN refused inline within a second), a lease created from it, its
card with the schedule and its proration, an invoice issued from the card (a double click
issues one), its PDF opened, an act marked signed; and a manager who sees only the leases
they manage. In Russian and English; screenshots with ``RENTFLOW_SCREENSHOTS=<dir>``."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.domain.billing import DocumentKind
from backend.domain.lease import LeaseStatus
from backend.domain.parties import Person
from backend.domain.periods import add_months
from backend.domain.status import transition
from backend.services.deal_actions import DealAction, run_deal_action
from backend.services.landlords import read_form, save_landlord_form
from backend.services.leases import refresh_schedule, register_lease
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, MANAGER, SandboxPortal, follow, snapshot
from tests.browser.test_bitrix24_workspace import LANDLORD

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    wrong_inn: str
    created: str
    issued: str
    signed: str
    act_signed: str
    leases_tab: str
    days_of: str
    planned: str
    all_leases: str
    sign_button: str


RU = Texts(
    "ru", "Не сходятся контрольные цифры: проверьте номер.", "Договор № Б-1/{year} создан.",
    "Счёт № {number} выставлен.", "Акт № {number} отмечен подписанным.", "Подписан",
    "Договоры", "дн. месяца", "Запланирован", "Все договоры", "Акт подписан",
)  # fmt: skip
EN = Texts(
    "en", "The control digits do not match: check the number.", "Lease № Б-1/{year} created.",
    "Invoice № {number} issued.", "Act № {number} marked signed.", "Signed (act)",
    "Leases", "days of", "Planned", "All leases", "Act signed",
)  # fmt: skip


def _look(page: Any, name: str) -> None:
    """The whole page in the frame (``snapshot`` keeps what the portal's frame shows): the
    frame is stretched for the picture, then put back."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.evaluate("document.getElementById('frame').style.height = '3600px'")
        page.locator("#frame").screenshot(path=str(Path(target) / f"{name}.png"))
        page.evaluate("document.getElementById('frame').style.height = ''")


def _setup(rentflow: Rentflow) -> int:
    container = rentflow.container
    with container.uow() as uow:
        portal_id = uow.portals.list()[0].id
    assert portal_id is not None
    with container.uow(portal_id) as uow:
        save_landlord_form(uow, container.clock, read_form(LANDLORD))
        uow.commit()
    return portal_id


def _signed(rentflow: Rentflow, portal_id: int, lease_id: int) -> None:
    """The deal reached "signed" (the CRM's stage move, done here as its service does)."""
    container = rentflow.container
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
        transition(lease, LeaseStatus.SIGNED, container.clock.today())
        uow.leases.save(lease, now=container.clock.now())
        refresh_schedule(uow, lease_id)
        uow.commit()


def _reopen(frame: Any, texts: Texts, lease: str) -> None:
    """To the list and back to the card: the card as it is now."""
    frame.get_by_role("link", name=texts.all_leases).click()
    frame.get_by_role("link", name=lease).click()


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_lease_from_a_deal_to_its_invoice_pdf_and_signed_act(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    today = rentflow.container.clock.today()
    start = add_months(today.replace(day=1), -1)  # last month: its act can be issued now
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    portal.add_deal()  # (the portal page reloads: who acts, in which language, comes after)
    portal.act_as(ADMIN, texts.lang)
    tab = portal.open_deal_tab()
    tab.locator("#create-lease").click()

    expect(tab.locator("#f-tenant_inn")).to_have_value("7728168971")  # the deal's company
    snapshot(page, f"lease-form-{texts.lang}")
    _look(page, f"lease-form-full-{texts.lang}")
    tab.locator("#f-tenant_inn").fill("7728168972")
    started = time.perf_counter()
    tab.locator("#f-tenant_kpp").focus()  # the INN loses focus: the inline check runs
    expect(tab.locator("#e-tenant_inn")).to_have_text(texts.wrong_inn, timeout=1000)
    inline_ms = (time.perf_counter() - started) * 1000
    print(f"inline tenant INN check [{texts.lang}]: {inline_ms:.0f} ms")
    assert inline_ms < 1000
    snapshot(page, f"lease-form-wrong-inn-{texts.lang}")

    tab.locator("#f-tenant_inn").fill("7728168971")
    tab.locator("#f-number").fill(f"Б-1/{start.year}")
    tab.locator("#f-start").fill(start.isoformat())
    tab.locator("#f-end").fill((add_months(start, 12) - timedelta(days=1)).isoformat())
    tab.locator("#f-premises_code").fill("204")
    tab.locator("#f-area").fill("40")
    tab.locator("#f-rent").fill("100000")
    tab.locator("#f-manager").select_option(str(MANAGER))
    tab.locator("#f-supervisor").select_option("9")
    tab.locator("#lease-form button[type=submit]").click()

    expect(tab.locator("#done")).to_have_text(texts.created.format(year=start.year))
    expect(tab.locator("#tenant")).to_contain_text("Василёк")
    with rentflow.container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
    assert lease.id is not None
    assert lease.auto_send
    assert lease.manager is not None
    assert lease.manager.email == "manager@portal.example"

    _signed(rentflow, portal_id, lease.id)
    _reopen(tab, texts, f"№ Б-1/{start.year}")
    schedule = tab.locator("#schedule tbody tr")
    expect(schedule.first).to_contain_text(texts.planned)
    expect(schedule.first).to_contain_text("100")  # a whole month: no part of it
    _look(page, f"lease-card-schedule-{texts.lang}")

    month_end = add_months(start, 1) - timedelta(days=1)
    tab.locator("#invoice-start").fill(start.isoformat())
    tab.locator("#invoice-end").fill(month_end.isoformat())
    tab.locator("#form-invoice button[type=submit]").dblclick()  # a double click: one invoice
    expect(tab.locator("#done")).to_be_visible(timeout=30_000)  # numbered, rendered, published
    with rentflow.container.uow(portal_id) as uow:
        invoices = uow.documents.for_lease(lease.id, DocumentKind.INVOICE)
    assert len(invoices) == 1
    expect(tab.locator("#done")).to_contain_text(invoices[0].number)
    pdf = tab.locator(f"#documents tr[data-number='{invoices[0].number}'] a.pdf")
    answer = page.request.get(pdf.get_attribute("href"))
    assert answer.ok
    assert answer.body().startswith(b"%PDF")

    act = run_deal_action(  # the deal's robot issues last month's act
        rentflow.container.billing_ports(), portal_id, "1", DealAction.ISSUE_ACT, today
    )
    assert len(act.issued) == 1
    with rentflow.container.uow(portal_id) as uow:
        act_number = uow.documents.get(act.issued[0]).number
    page.reload()  # the deal tab again: its lease now, and the way to its card
    portal.act_as(ADMIN, texts.lang)
    tab = portal.open_deal_tab()
    tab.locator("#open-card").click()
    act_row = tab.locator(f"#documents tr[data-number='{act_number}']")
    act_row.get_by_role("button", name=texts.sign_button).click()
    expect(tab.locator("#done")).to_have_text(texts.signed.format(number=act_number))
    expect(tab.locator(f"#documents tr[data-number='{act_number}']")).to_contain_text(
        texts.act_signed
    )
    _look(page, f"lease-card-documents-{texts.lang}")
    snapshot(page, f"lease-card-{texts.lang}")

    # the deal's lease field: a link that opens the card through the portal (REST_APP_URI)
    (deal,) = page.request.get(f"{rentflow.portal_page}state").json()["deals"]
    page.goto(deal["UF_CRM_RENTFLOW_LEASE_URL"])
    expect(page.frame_locator("#frame").locator("#tenant")).to_contain_text("Василёк")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_manager_sees_only_the_leases_they_manage(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    container = rentflow.container
    with container.uow(portal_id) as uow:
        for number, manager in (("М-7", "7"), ("М-9", "9")):
            register_lease(uow, container.clock, factories.lease(
                number=number, start=date(2026, 1, 1), end=date(2026, 12, 31),
                manager=Person(name=f"Менеджер {manager}", crm_user_id=manager),
            ))  # fmt: skip
        uow.commit()

    portal.act_as(MANAGER, texts.lang)
    app = portal.open_app()
    follow(app, app.get_by_role("link", name=texts.leases_tab))

    expect(app.locator("#leases tbody tr")).to_have_count(1)
    expect(app.locator("#leases")).to_contain_text("№ М-7")
    expect(app.locator("#leases")).not_to_contain_text("№ М-9")
    snapshot(page, f"leases-manager-{texts.lang}")

    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    follow(app, app.get_by_role("link", name=texts.leases_tab))
    expect(app.locator("#leases tbody tr")).to_have_count(2)
    snapshot(page, f"leases-admin-{texts.lang}")
