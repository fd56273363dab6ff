"""Premises, payments, needs attention and settings in the workspace, in the sandbox Bitrix24
portal, in a real browser, in Russian and English: add premises (a wrong area refused
inline); upload a bank statement paying an invoice partly, its result staying on screen;
place the rest by the invoice's number; the deal's debt field in the sandbox CRM drops to
zero; needs attention is then empty; the settings keep the 1C password write-only; a manager
sees no payments or settings tab."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.lease import LeaseStatus
from backend.domain.money import Money
from backend.domain.parties import Premises
from backend.services.leases import register_lease
from backend.services.payment_news import push_payment_news
from sandbox.onec.bank_files import StatementDocument, render_statement
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, MANAGER, SandboxPortal, follow, snapshot

pytestmark = pytest.mark.browser
INVOICE = "БП-000101"
OTHER_INN = "500100732259"  # a guarantor pays the rest: matching cannot tell whose it is


@dataclass(frozen=True)
class Texts:
    lang: str
    premises_tab: str
    add_premises: str
    save: str
    must_be_positive: str
    saved_premises: str
    payments_tab: str
    upload: str
    partial: str
    place: str
    placed: str
    all_placed: str
    attention_tab: str
    all_clear: str
    settings_tab: str
    settings_saved: str
    password_kept: str
    unpaid_rule: str
    booked: str
    rented: str
    find: str
    nothing_found: str
    edit: str
    preview: str
    only_placeholders: str
    not_http: str
    no_such_number: str
    deal: str
    undo: str
    undone: str
    partially_paid: str


RU = Texts(
    "ru", "Помещения", "Добавить помещение", "Сохранить", "Должно быть больше нуля.",
    "Сохранено: помещение 205", "Оплаты", "Загрузить", "Счёт оплачен частично", "Разнести",
    f"Разнесено: счёт № {INVOICE}.", "Все платежи разнесены.", "Требует внимания",
    "Ничего не требует внимания.", "Настройки", "Настройки сохранены.",
    "Пароль сохранён. Оставьте поле пустым, чтобы его не менять.",
    "Счета не оплачены, срок в прошлом или не указан", "Забронировано", "Сдано", "Найти",
    "Помещений по запросу не найдено.", "Изменить", "Предпросмотр",
    "Допустимы только подстановки: {lease_number}", "Нужен адрес http(s).",
    "Нет открытого счёта или договора с номером БП-999.", "Сделка", "Отменить",
    "Отменено: 40\xa0000,00\xa0₽ платежа № 502 снова свободны для разноски.", "Оплачен частично",
)  # fmt: skip
EN = Texts(
    "en", "Premises", "Add premises", "Save", "Must be above zero.", "Saved: premises 205",
    "Payments", "Upload", "Invoice partly paid", "Place", f"Placed on invoice № {INVOICE}.",
    "Every payment is placed.", "Needs attention", "Nothing needs attention.", "Settings",
    "Settings saved.", "A password is stored. Leave empty to keep it.",
    "Invoices unpaid, due date past or not set", "Booked", "Rented", "Find",
    "No premises match the search.", "Edit", "Preview",
    "Only these placeholders: {lease_number}", "Must be an http(s) address.",
    "No open invoice or lease has the number БП-999.", "Deal", "Undo",
    "Undone: 40,000.00 RUB of payment № 502 is free to place again.", "Partially paid",
)  # fmt: skip


class Worker:
    """Stands in for the Celery worker: keeps what the pages queue and runs the deal pushes
    of payments the way ``jobs.tasks.crm_payment_news`` does."""

    def __init__(self, rentflow: Rentflow) -> None:
        self.rentflow = rentflow
        self.queued: list[tuple[str, tuple[Any, ...]]] = []
        rentflow.container.task_sender = lambda name, *args: self.queued.append((name, args))

    def run_payment_news(self, portal_id: int) -> int:
        c = self.rentflow.container
        with c.uow() as uow:
            portal = uow.portals.get(portal_id)
        done = 0
        for name, args in list(self.queued):
            if name == "jobs.tasks.crm_payment_news":
                self.queued.remove((name, args))
                news = [(int(lease_id), str(text)) for lease_id, text in args[1]]
                push_payment_news(c.uow(portal_id), c.clock, c.crm(portal), news)
                done += 1
        return done


def _deal(rentflow: Rentflow, deal_id: int) -> dict[str, Any]:
    state = requests.get(f"{rentflow.portal_page}state", timeout=10).json()
    (deal,) = [d for d in state["deals"] if d["id"] == deal_id]
    return dict(deal)


def _debt_of(deal: dict[str, Any]) -> str:
    (value,) = [v for k, v in deal.items() if "debt" in k.lower()]
    return str(value)


def _lease_with_an_overdue_invoice(rentflow: Rentflow, deal_id: int) -> tuple[int, str]:
    """A signed lease starting next month (nothing planned is due yet) on the deal, and an
    invoice of 100 000 ₽ for last month, due ten days ago."""
    c = rentflow.container
    today = c.clock.today()
    with c.uow() as uow:
        portal_id = uow.portals.list()[0].id or 0
    lease = factories.lease(
        status=LeaseStatus.SIGNED, original_received=True, start=today + timedelta(days=40),
        end=today + timedelta(days=200), signed_on=today - timedelta(days=20),
    )  # fmt: skip
    last_month = BillingPeriod(today.replace(day=1) - timedelta(days=28), today.replace(day=1))
    amount = Money(Decimal("100000.00"))
    with c.uow(portal_id) as uow:
        lease_id = register_lease(
            uow, c.clock, lease, crm_deal_id=str(deal_id), crm_pipeline_id="0"
        ).lease_id
        line = DocumentLine("Аренда помещения 101", last_month, 1, "мес.", amount, amount,
                            Money.zero())  # fmt: skip
        uow.documents.add(IssuedDocument(
            lease_id=lease_id, kind=DocumentKind.INVOICE, number=INVOICE,
            issued_on=today - timedelta(days=15), period=last_month, lines=(line,), net=amount,
            vat=Money.zero(), total=amount, due_on=today - timedelta(days=10),
        ))  # fmt: skip
        uow.commit()
    return portal_id, lease.number


def _answered_on_leaving(field: Any, next_field: Any, error: Any, text: str) -> None:
    """Leaving ``field`` for ``next_field`` shows ``text`` in ``error`` within a second."""
    started = time.perf_counter()
    next_field.focus()
    expect(error).to_have_text(text, timeout=1000)
    took = time.perf_counter() - started
    assert took < 1.0
    expect(field).to_have_attribute("aria-invalid", "true")
    error.scroll_into_view_if_needed()


def _lease_on_signing_on(rentflow: Rentflow, number: str) -> None:
    """A lease on signing for the register's premises ``number``."""
    c = rentflow.container
    with c.uow() as uow:
        portal_id = uow.portals.list()[0].id or 0
    with c.uow(portal_id) as uow:
        (card,) = [p for p in uow.estate.register() if p.number == number]
        room = Premises(code=number, area_m2=card.area_m2, building=card.building, id=card.id)
        lease = factories.lease(status=LeaseStatus.ON_SIGNING, premises=(room,))
        register_lease(uow, c.clock, lease)
        uow.commit()


def _statement(tmp_path: Path, today: date) -> Path:
    tenant = factories.tenant()
    common = {"on": today, "payee": "ООО «Ромашка»", "payee_inn": "7707083893",
              "payee_account": factories.SBER.account}  # fmt: skip
    docs = [
        StatementDocument(number="501", amount=Decimal("60000.00"), payer=tenant.name,
                          payer_inn=tenant.inn, payer_account="40702810400000012345",
                          purpose=f"Оплата по счету № {INVOICE} за аренду", **common),
        StatementDocument(number="502", amount=Decimal("40000.00"), payer="ИП Смирнов А. П.",
                          payer_inn=OTHER_INN, payer_account="40802810400000054321",
                          purpose="Оплата за ООО «Василёк» по договору аренды", **common),
    ]  # fmt: skip
    path = tmp_path / "kl_to_1c.txt"
    account = factories.SBER.account
    path.write_bytes(render_statement(docs, account=account, start=today, end=today))
    return path


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_statement_pays_an_invoice_partly_the_rest_is_placed_by_number_and_the_deal_is_clear(
    page: Any, rentflow: Rentflow, texts: Texts, tmp_path: Path
) -> None:
    worker = Worker(rentflow)
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.add_deal()
    portal_id, lease_number = _lease_with_an_overdue_invoice(rentflow, 1)
    page.on("dialog", lambda dialog: dialog.accept())
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()

    app.get_by_role("link", name=texts.attention_tab).click()
    expect(app.get_by_text(texts.unpaid_rule)).to_be_visible()
    item = app.locator(f'tr.attention-item[data-lease="{lease_number}"]').first
    expect(item).to_be_visible()
    deal = item.get_by_role("link", name=texts.deal, exact=True)
    # on the portal's own origin and scheme (the sandbox is http, mounted under a path)
    deal_page = f"{rentflow.url}/sandbox/bitrix24/crm/deal/details/1/"
    expect(deal).to_have_attribute("href", deal_page)
    expect(deal).to_have_attribute("target", "_top")  # the CRM's page, not inside the frame
    snapshot(page, f"attention-before-{texts.lang}")
    item.get_by_role("link", name=f"№ {lease_number}").click()  # its lease card
    expect(app.get_by_role("heading", level=1)).to_contain_text(lease_number)
    snapshot(page, f"attention-to-lease-card-{texts.lang}")

    app.get_by_role("link", name=texts.payments_tab).click()
    app.locator("#f-file").set_input_files(
        str(_statement(tmp_path, rentflow.container.clock.today()))
    )
    app.get_by_role("button", name=texts.upload).click()
    result = app.locator("#result-lines tbody tr")
    expect(result).to_have_count(2)
    expect(result.nth(0)).to_contain_text(texts.partial)
    expect(result.nth(0)).to_contain_text(INVOICE)
    expect(app.locator("#count-review")).to_have_text("1")
    time.sleep(1.6)  # the operator page's result vanished after 1.5 s: this one stays
    expect(result).to_have_count(2)
    snapshot(page, f"payments-statement-result-{texts.lang}")

    row = app.locator("#review-queue tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("502")
    row.first.locator("input[name=target]").fill("БП-999")
    _answered_on_leaving(
        row.first.locator("input[name=target]"), row.first.locator("input[name=amount]"),
        row.first.locator("[data-field=target] .error"), texts.no_such_number,
    )  # fmt: skip
    snapshot(page, f"payments-wrong-number-inline-{texts.lang}")
    follow(app, row.first.get_by_role("button", name=texts.place))
    expect(app.locator("#review-queue .field.has-error")).to_have_count(1)
    expect(app.locator("#review-queue input[name=target]")).to_have_value("БП-999")
    snapshot(page, f"payments-wrong-number-{texts.lang}")
    app.locator("#review-queue input[name=target]").fill(INVOICE)
    app.locator("#review-queue").get_by_role("button", name=texts.place).click()
    expect(app.get_by_text(texts.placed)).to_be_visible()
    expect(app.get_by_text(texts.all_placed)).to_be_visible()
    expect(app.locator("#journal tbody tr")).to_have_count(2)
    snapshot(page, f"payments-placed-{texts.lang}")

    assert worker.run_payment_news(portal_id) == 2  # the import's and the manual allocation's
    deal = _deal(rentflow, 1)
    assert Decimal(_debt_of(deal)) == 0
    state = requests.get(f"{rentflow.portal_page}state", timeout=10).json()
    notes = [c for c in state["comments"] if str(c.get("ENTITY_ID")) == "1"]
    assert any("Оплата № 502" in str(c.get("COMMENT", "")) for c in notes), notes

    app.get_by_role("link", name=texts.attention_tab).click()
    expect(app.get_by_text(texts.all_clear)).to_be_visible()
    expect(app.locator(f'tr.attention-item[data-lease="{lease_number}"]')).to_have_count(0)
    snapshot(page, f"attention-clear-{texts.lang}")

    # the allocation by hand was a mistake: undone, the invoice owes again, the deal too
    app.get_by_role("link", name=texts.payments_tab).click()
    placed = app.locator("#journal tbody tr", has_text="№ 502")
    placed.get_by_role("button", name=texts.undo).click()  # confirmed in the dialog
    expect(app.get_by_text(texts.undone)).to_be_visible()
    expect(app.locator("#review-queue tbody tr", has_text="502")).to_have_count(1)
    expect(app.locator("#journal tbody tr")).to_have_count(1)  # the import's stays
    snapshot(page, f"payments-undone-{texts.lang}")
    assert worker.run_payment_news(portal_id) == 1
    assert Decimal(_debt_of(_deal(rentflow, 1))) == Decimal("40000")
    app.get_by_role("link", name=texts.attention_tab).click()
    item = app.locator(f'#rule-invoice_unpaid tr.attention-item[data-lease="{lease_number}"]')
    expect(item).to_contain_text(INVOICE)  # owes again
    item.get_by_role("link", name=f"№ {lease_number}").click()
    invoice = app.locator(f'#documents tr[data-number="{INVOICE}"]')
    expect(invoice).to_contain_text(texts.partially_paid)
    expect(invoice).to_contain_text("60\xa0000,00" if texts.lang == "ru" else "60,000.00")
    snapshot(page, f"lease-card-after-undo-{texts.lang}")

    # the "deal" link of needs-attention opens the portal's deal page, in the whole window
    app.get_by_role("link", name=texts.attention_tab, exact=True).click()
    item = app.locator(f'#rule-invoice_unpaid tr.attention-item[data-lease="{lease_number}"]')
    item.get_by_role("link", name=texts.deal, exact=True).click()
    expect(page).to_have_url(deal_page)
    expect(page.locator("#deal-title")).to_have_text("Аренда офиса")  # the sandbox's new deal
    expect(page.locator("[data-field$=RENTFLOW_DEBT] td")).to_have_text("40000.00")
    expect(page.locator("#timeline")).to_contain_text("Оплата № 502")
    _page_shot(page, f"sandbox-deal-page-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_premises_are_added_with_a_wrong_area_refused_inline_and_settings_saved(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    Worker(rentflow)
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()

    app.get_by_role("link", name=texts.premises_tab, exact=True).click()
    app.get_by_role("button", name=texts.add_premises).click()
    app.locator("#f-building").fill("БЦ «Вавилов»")
    app.locator("#f-number").fill("205")
    app.locator("#f-area").fill("0")
    app.locator("#f-price_per_m2").focus()  # the area loses focus: the inline check runs
    expect(app.locator("#e-area")).to_have_text(texts.must_be_positive, timeout=1000)
    snapshot(page, f"premises-wrong-area-{texts.lang}")
    app.locator("#f-area").fill("42,5")
    app.locator("#f-price_per_m2").fill("1800")
    app.get_by_role("button", name=texts.save).click()
    expect(app.get_by_text(texts.saved_premises)).to_be_visible()
    row = app.locator("#premises tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("205")
    expect(row.first).to_contain_text("42,5" if texts.lang == "ru" else "42.5")
    snapshot(page, f"premises-list-{texts.lang}")
    row.first.get_by_role("link", name="205").click()
    expect(app.locator("#premises-card")).to_contain_text("БЦ «Вавилов»")
    snapshot(page, f"premises-card-{texts.lang}")

    _lease_on_signing_on(rentflow, "205")  # its deal reached "on signing": the lease holds it
    app.get_by_role("link", name=texts.premises_tab, exact=True).click()
    expect(row.first).to_contain_text(texts.booked)
    app.locator("#premises-status").select_option(label=texts.rented)
    app.get_by_role("button", name=texts.find).click()
    expect(app.get_by_text(texts.nothing_found)).to_be_visible()
    app.locator("#premises-status").select_option(label=texts.booked)
    app.get_by_role("button", name=texts.find).click()
    expect(row).to_have_count(1)
    snapshot(page, f"premises-booked-by-lease-{texts.lang}")
    row.first.get_by_role("link", name="205").click()
    expect(app.locator("#premises-card")).to_contain_text(texts.booked)
    snapshot(page, f"premises-card-booked-{texts.lang}")
    app.get_by_role("button", name=texts.edit).click()
    expect(app.locator("#f-status")).to_have_text(texts.booked)  # shown, not to be chosen
    expect(app.locator("select[name=status]")).to_have_count(0)

    app.get_by_role("link", name=texts.settings_tab, exact=True).click()
    app.locator("#f-onec_odata_url").fill("1c.example/base/odata")
    _answered_on_leaving(
        app.locator("#f-onec_odata_url"), app.locator("#f-onec_user"),
        app.locator("#e-onec_odata_url"), texts.not_http,
    )  # fmt: skip
    snapshot(page, f"settings-wrong-url-inline-{texts.lang}")
    app.locator("#f-onec_odata_url").fill("http://1c.example/base/odata/standard.odata")
    app.locator("#f-onec_user").fill("robot")
    app.locator("#f-onec_password").fill("s3cret-1c")
    app.locator("#settings").get_by_role("button", name=texts.save).click()
    expect(app.get_by_text(texts.settings_saved)).to_be_visible()
    expect(app.locator("#f-onec_password")).to_have_value("")
    expect(app.get_by_text(texts.password_kept)).to_be_visible()
    assert "s3cret-1c" not in app.locator("body").inner_html()
    snapshot(page, f"settings-saved-{texts.lang}")

    overdue = app.locator("#template-overdue_mail")
    overdue.get_by_role("button", name=texts.preview).click()
    preview = app.locator("#template-overdue_mail #mail-preview")
    expect(preview).to_contain_text("Задолженность по договору всего: 240\xa0000,00\xa0₽.")
    preview.scroll_into_view_if_needed()
    snapshot(page, f"settings-overdue-preview-{texts.lang}")
    app.locator("#f-overdue_mail_subject").fill("Долг {debt.__class__}")
    app.locator("#template-overdue_mail").get_by_role("button", name=texts.preview).click()
    expect(app.locator("#e-overdue_mail_subject")).to_contain_text(texts.only_placeholders)
    expect(app.locator("#f-overdue_mail_subject")).to_have_value("Долг {debt.__class__}")
    expect(app.locator("#mail-preview")).to_have_count(0)
    app.locator("#f-overdue_mail_subject").scroll_into_view_if_needed()
    snapshot(page, f"settings-template-error-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_manager_sees_no_payments_or_settings_tab(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(MANAGER, texts.lang)
    app = portal.open_app()
    tabs = app.locator("nav.tabs")
    expect(tabs.get_by_role("link", name=texts.attention_tab)).to_be_visible()
    expect(tabs.get_by_role("link", name=texts.premises_tab, exact=True)).to_be_visible()
    expect(tabs.get_by_role("link", name=texts.payments_tab)).to_have_count(0)
    expect(tabs.get_by_role("link", name=texts.settings_tab, exact=True)).to_have_count(0)
    snapshot(page, f"manager-tabs-{texts.lang}")


LANDLORD = {
    "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001", "bank_bic": "044525225",
    "bank_name": "ПАО СБЕРБАНК", "bank_corr_account": "30101810400000000225",
    "bank_account": "40702810938000000001", "director_name": "Иванов И. И.",
}  # fmt: skip
NOT_A_PICTURE = {"ru": "Это не изображение PNG или JPEG.", "en": "Not a PNG or JPEG picture."}
ADD_LANDLORD = {"ru": "Добавить арендодателя", "en": "Add a landlord"}
EDIT = {"ru": "Изменить", "en": "Edit"}


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_landlords_stamp_is_uploaded_and_a_false_picture_refused_by_its_field(
    page: Any, rentflow: Rentflow, texts: Texts, tmp_path: Path
) -> None:
    from PIL import Image

    stamp, fake = tmp_path / "stamp.png", tmp_path / "stamp-fake.png"
    Image.new("RGBA", (300, 300), (30, 60, 200, 160)).save(stamp, format="PNG")
    fake.write_bytes(b"this is a text file named .png")
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("button", name=ADD_LANDLORD[texts.lang]).click()
    for name, value in LANDLORD.items():
        app.locator(f"#f-{name}").fill(value)

    app.locator("#f-image_stamp").set_input_files(str(fake))
    app.get_by_role("button", name=texts.save).click()
    expect(app.locator("#e-image_stamp")).to_have_text(NOT_A_PICTURE[texts.lang])
    expect(app.locator("#f-inn")).to_have_value(LANDLORD["inn"])  # what was typed is kept
    app.locator("#landlord-images").scroll_into_view_if_needed()
    snapshot(page, f"landlord-images-refused-{texts.lang}")

    app.locator("#f-image_stamp").set_input_files(str(stamp))
    app.get_by_role("button", name=texts.save).click()
    expect(app.locator("#landlords tbody tr")).to_have_count(1)
    app.get_by_role("link", name=EDIT[texts.lang]).click()
    expect(app.locator("#landlord-images img.stored-image")).to_have_count(1)
    app.locator("#landlord-images").scroll_into_view_if_needed()
    snapshot(page, f"landlord-images-stored-{texts.lang}")


def _page_shot(page: Any, name: str) -> None:
    """The whole window (a page of the portal, not rentflow's frame)."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)
