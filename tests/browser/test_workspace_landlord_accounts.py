"""A landlord's second settlement account, in a real browser (ru and en): added on the
landlord form with its bank found by the BIC, picked on a lease card's settings as the account
the lease is paid to, then printed on the invoice issued from the card. An account the lease
is paid to cannot be removed: said next to it, the form as typed. Screenshots with
``RENTFLOW_SCREENSHOTS=<dir>``."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from backend.cli.bic import load_sandbox_directory
from backend.domain.billing import DocumentKind
from backend.domain.lease import LeaseStatus
from backend.domain.periods import add_months
from backend.services.leases import register_lease
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, follow, snapshot
from tests.browser.test_workspace_lease_settings import _look_at
from tests.browser.test_workspace_leases import _look, _setup

pytestmark = pytest.mark.browser

ALFA = "044525593"
ALFA_ACCOUNT = "40702810800000000001"  # its control key fits Альфа-Банк's БИК


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    landlords_tab: str
    edit: str
    add_account: str
    label: str
    save: str
    saved: str
    leases_tab: str
    history: str
    in_use: str
    more: str
    default_choice: str
    created: str


RU = Texts(
    "ru", "Арендодатели", "Изменить", "Добавить счёт", "Для депозитов", "Сохранить",
    "Сохранено: ООО «Ромашка»", "Договоры",
    "счёт для оплаты: ПАО СБЕРБАНК 40702810938000000001 → Для депозитов 40702810800000000001",
    "По договорам А-15/2026 платят на этот счёт: сначала выберите в их карточках другой счёт.",
    "и ещё 1 счёт", "Основной счёт арендодателя", "Договор № Д-9 создан.",
)  # fmt: skip
EN = Texts(
    "en", "Landlords", "Edit", "Add an account", "For deposits", "Save", "Saved: ООО «Ромашка»",
    "Leases",
    "paid to the account: ПАО СБЕРБАНК 40702810938000000001 → For deposits 40702810800000000001",
    "Leases А-15/2026 are paid to this account: pick another account on their cards first.",
    "and 1 more account", "The landlord's default account", "Lease № Д-9 created.",
)  # fmt: skip


def _lease(rentflow: Rentflow, portal_id: int) -> int:
    container = rentflow.container
    start = add_months(container.clock.today().replace(day=1), -1)
    with container.uow(portal_id) as uow:
        (landlord,) = uow.parties.landlords()
        made = factories.lease(
            status=LeaseStatus.SIGNED, start=start, end=add_months(start, 12) - timedelta(days=1)
        )
        lease_id = register_lease(uow, container.clock, made, landlord_id=landlord.id).lease_id
        uow.commit()
    return lease_id


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_second_account_is_added_picked_for_a_lease_and_printed_on_its_invoice(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    assert load_sandbox_directory(rentflow.container) is not None
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    lease_id = _lease(rentflow, portal_id)
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("link", name=texts.landlords_tab).click()
    app.get_by_role("link", name=texts.edit).first.click()

    app.get_by_role("button", name=texts.add_account).click()
    app.locator("#f-bank_bic-1").fill(ALFA)
    app.locator("#f-bank_account-1").focus()  # the БИК field is left: the directory answers
    expect(app.locator("#f-bank_name-1")).to_have_value('АО "АЛЬФА-БАНК"', timeout=1000)
    expect(app.locator("#f-bank_corr_account-1")).to_have_value("30101810200000000593")
    expect(app.locator("#f-bank_name")).to_have_value("ПАО СБЕРБАНК")  # the first row's stays
    app.locator("#f-bank_account-1").fill("40702810938000000001")  # Сбербанк's number
    app.locator("#f-bank_label-1").focus()
    expect(app.locator("#e-bank_account-1")).not_to_be_empty(timeout=1000)  # its key fails
    expect(app.locator("#e-bank_account")).to_be_empty()
    app.locator("#f-bank_account-1").fill(ALFA_ACCOUNT)
    app.locator("#f-bank_label-1").fill(texts.label)
    _look(page, f"landlord-accounts-two-{texts.lang}")
    app.get_by_role("button", name=texts.save).click()
    expect(app.get_by_text(texts.saved)).to_be_visible()
    expect(app.locator("#landlords tbody tr").first).to_contain_text(texts.more)

    follow(app, app.get_by_role("link", name=texts.leases_tab))
    app.get_by_role("link", name="№ А-15/2026").click()
    form = app.locator("#form-settings")
    choice = form.locator("#settings-bank_account")
    expect(choice.locator("option:checked")).to_contain_text("ПАО СБЕРБАНК")  # the default
    choice.select_option(label=f'{texts.label} — {ALFA_ACCOUNT}, АО "АЛЬФА-БАНК"')
    form.locator("button[type=submit]").click()
    expect(app.locator("#done")).to_be_visible()
    expect(app.locator("#history")).to_contain_text(texts.history)
    expect(app.locator("#settings-bank_account option:checked")).to_contain_text(ALFA_ACCOUNT)
    _look_at(app.locator("#form-settings"), f"lease-settings-account-{texts.lang}")

    start = add_months(rentflow.container.clock.today().replace(day=1), -1)
    app.locator("#invoice-start").fill(start.isoformat())
    app.locator("#invoice-end").fill((add_months(start, 1) - timedelta(days=1)).isoformat())
    app.locator("#form-invoice button[type=submit]").click()
    expect(app.locator("#documents tr[data-number]")).to_have_count(1, timeout=30_000)
    with rentflow.container.uow(portal_id) as uow:
        (invoice,) = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    pdf = app.locator(f"#documents tr[data-number='{invoice.number}'] a.pdf")
    answer = page.request.get(pdf.get_attribute("href") or "")
    assert answer.ok
    text = " ".join(PdfReader(io.BytesIO(answer.body())).pages[0].extract_text().split())
    assert ALFA_ACCOUNT in text
    assert "АЛЬФА-БАНК" in text
    assert "40702810938000000001" not in text  # not the default account
    snapshot(page, f"lease-card-account-invoice-{texts.lang}")

    # the account the lease is paid to cannot go: said next to it, the form as it was
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("link", name=texts.landlords_tab).click()
    app.get_by_role("link", name=texts.edit).first.click()
    app.locator("#f-bank_remove-1").check()
    app.get_by_role("button", name=texts.save).click()
    expect(app.locator("#e-bank_account-1")).to_have_text(texts.in_use)
    expect(app.locator("#f-bank_label-1")).to_have_value(texts.label)
    expect(app.locator("#f-bank_remove-1")).to_be_checked()
    _look(page, f"landlord-accounts-in-use-{texts.lang}")
    with rentflow.container.uow(portal_id) as uow:
        assert len(uow.parties.landlords()[0].accounts) == 2


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_lease_created_from_a_deal_is_paid_to_the_account_picked_on_its_form(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    container = rentflow.container
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    with container.uow(portal_id) as uow:
        (landlord,) = uow.parties.landlords()
        assert landlord.id is not None
        two = replace(landlord, accounts=(landlord.bank, factories.ALFA))
        uow.parties.update_landlord(landlord.id, two, uow.parties.landlord_settings(landlord.id))
        uow.commit()
    portal.add_deal()
    portal.act_as(ADMIN, texts.lang)
    tab = portal.open_deal_tab()
    tab.locator("#create-lease").click()
    choice = tab.locator("#f-bank_account")
    expect(choice.locator("option:checked")).to_have_text(texts.default_choice)
    start = add_months(container.clock.today().replace(day=1), 1)
    tab.locator("#f-number").fill("Д-9")
    tab.locator("#f-start").fill(start.isoformat())
    tab.locator("#f-end").fill((add_months(start, 12) - timedelta(days=1)).isoformat())
    tab.locator("#f-premises_code").fill("204")
    tab.locator("#f-area").fill("40")
    tab.locator("#f-rent").fill("100000")
    choice.select_option(label=f'Для депозитов — {ALFA_ACCOUNT}, АО "АЛЬФА-БАНК"')
    _look(page, f"lease-form-account-{texts.lang}")
    tab.locator("#lease-form button[type=submit]").click()
    expect(tab.locator("#done")).to_have_text(texts.created)
    expect(tab.get_by_text(f'АО "АЛЬФА-БАНК", {ALFA_ACCOUNT}', exact=True)).to_be_visible()
    with container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
    assert lease.landlord.bank.account == ALFA_ACCOUNT
