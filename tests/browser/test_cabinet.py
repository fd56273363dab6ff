"""The tenant cabinet in a real browser, as a tenant's accountant uses it: the sign-in code
arrives by e-mail (a real SMTP server), two landlords' leases, the accruals' QR code scanned
(zbar), the balance after a bank statement import, an act and a reconciliation statement
downloaded, the contacts updated; in Russian, Ukrainian and English, on a desktop and a
phone (390 px).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from pyzbar.pyzbar import decode

from backend.services.billing import run_portal
from backend.services.lease_actions import terminate
from backend.services.payments import import_statement
from documents.qr.gost import parse_gost
from sandbox.smtp_sink import Sink
from tests import payments_world
from tests.browser.cabinet_browser import mailed_code, shot
from tests.browser.conftest import Rentflow
from tests.cabinet_world import EMAIL, CabinetWorld, build_world, change_terms, invoice_numbers

pytestmark = pytest.mark.browser

TEXTS = {
    "ru": {"send": "Отправить код", "sign_in": "Вход", "leases": "Договоры",
           "debt": "Задолженность", "save": "Сохранить", "saved": "Сохранено"},
    "uk": {"send": "Надіслати код", "sign_in": "Вхід", "leases": "Договори",
           "debt": "Заборгованість", "save": "Зберегти", "saved": "Збережено"},
    "en": {"send": "Send the code", "sign_in": "Sign in", "leases": "Leases", "debt": "Debt",
           "save": "Save", "saved": "Saved"},
}  # fmt: skip


@pytest.fixture
def world(rentflow: Rentflow, mail: Sink) -> CabinetWorld:
    built = build_world(rentflow.container)
    # March 1st: February's act (and March's invoice) for the first landlord
    run_portal(rentflow.container.billing_ports(), built.portals[0], date(2026, 3, 1))
    return built


def _sign_in(page: Any, rentflow: Rentflow, sink: Sink, lang: str) -> None:
    page.goto(f"{rentflow.url}/cabinet/lang/{lang}?next=/cabinet/login")
    expect(page.locator("h1")).to_have_text(TEXTS[lang]["sign_in"])
    page.fill("#email", EMAIL)
    shot(page, f"{lang}-sign-in")
    page.click(f"text={TEXTS[lang]['send']}")
    page.fill("#code", mailed_code(sink, EMAIL))
    shot(page, f"{lang}-code")
    page.locator("form button").first.click()


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_a_tenant_signs_in_by_mail_pays_by_qr_and_downloads_documents(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    words = TEXTS[lang]
    _sign_in(page, rentflow, mail, lang)

    expect(page).to_have_url(re.compile(r"/cabinet/choose$"))
    choices = page.locator("button.choice")
    expect(choices).to_have_count(2)
    expect(choices.nth(0)).to_contain_text('ООО "Ромашка"')
    expect(choices.nth(1)).to_contain_text('ООО "Лютик"')
    shot(page, f"{lang}-choose")
    choices.nth(0).click()
    expect(page.locator("h1")).to_have_text(words["leases"])
    expect(page.locator("article.lease")).to_have_count(1)
    shot(page, f"{lang}-leases")

    page.locator("article.lease h2 a").click()
    february, march = invoice_numbers(rentflow.container, world.portals[0], world.leases[0])
    expect(page.locator(f'tr.accrual[data-number="{february}"]')).to_be_visible()
    debt = page.locator("[data-debt]")
    expect(debt).to_contain_text("200")
    shot(page, f"{lang}-lease")
    qr = page.locator(f'tr.accrual[data-number="{february}"] figure.qr img')
    image = page.request.get(rentflow.url + qr.get_attribute("src"))
    fields = parse_gost(decode(Image.open(io.BytesIO(image.body())))[0].data.decode())
    assert fields["Sum"] == "10000000"
    assert february in fields["Purpose"]

    statement = payments_world.statement_file(
        docs=[payments_world.doc("501", "100000.00", fields["Purpose"])]
    )
    with rentflow.container.uow(world.portals[0]) as uow:
        import_statement(uow, rentflow.container.clock, io.BytesIO(statement))
        uow.commit()
    page.reload()
    expect(page.locator("[data-debt]")).to_contain_text("100")
    expect(page.locator("tr.payment")).to_have_count(1)
    expect(page.locator(f'tr.accrual[data-number="{february}"] figure.qr')).to_have_count(0)
    expect(page.locator(f'tr.accrual[data-number="{march}"] figure.qr')).to_have_count(1)

    act = page.locator("tr.act a").first
    assert page.request.get(rentflow.url + act.get_attribute("href")).body().startswith(b"%PDF")
    with page.expect_download() as download:
        page.locator("#statement button").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

    page.locator("nav.menu a[href$='/cabinet/contacts']").click()
    page.fill("#phone", "+7 912 345-67-89")
    page.click(f"button:text('{words['save']}')")
    expect(page.locator("p.notice")).to_contain_text(words["saved"])
    expect(page.locator("#phone")).to_have_value("+79123456789")
    shot(page, f"{lang}-contacts")


def test_the_lease_page_fits_a_phone(
    chromium: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink
) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    page = context.new_page()
    try:
        _sign_in(page, rentflow, mail, "ru")
        page.locator("button.choice").nth(1).click()
        page.locator("article.lease h2 a").click()
        expect(page.locator("tr.accrual")).to_have_count(1)
        # The row is in the DOM before the stylesheet has arrived; measured unstyled, the
        # page is 664 px wide (the tables are not yet stacked), so wait for the whole load.
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width} px"
        shot(page, "ru-phone-lease")
    finally:
        context.close()


A4 = {"width": 794, "height": 1123}  # an A4 page at 96 px to the inch, as chromium prints
HIDDEN_IN_PRINT = (
    "header.top .langs", "nav.menu", "footer", "button", ".no-print", "#statement",
    "figure.qr",
)  # fmt: skip


def _printed(page: Any) -> None:
    """The page as printed: the navigation, buttons and the files' column hidden, every
    table whole within the sheet."""
    page.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        for n in range(page.locator(selector).count()):
            expect(page.locator(selector).nth(n)).to_be_hidden()
    tables = page.locator("table.list")
    assert tables.count() > 0
    for n in range(tables.count()):
        table = tables.nth(n)
        box = table.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= A4["width"], f"table {n} runs off the sheet"
        assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
        cells = table.locator("th:not(.no-print), td:not(.no-print)")
        for c in range(cells.count()):
            expect(cells.nth(c)).to_be_visible()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_lease_page_and_the_documents_print_cleanly(
    chromium: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    (february, *_) = invoice_numbers(rentflow.container, world.portals[0], world.leases[0])
    statement = payments_world.statement_file(
        docs=[payments_world.doc("501", "60000.00", f"Оплата по счету № {february}")]
    )
    with rentflow.container.uow(world.portals[0]) as uow:
        import_statement(uow, rentflow.container.clock, io.BytesIO(statement))
        uow.commit()
    context = chromium.new_context(viewport=A4, locale="ru-RU")
    page = context.new_page()
    try:
        _sign_in(page, rentflow, mail, lang)
        page.locator("button.choice").first.click()
        page.locator("article.lease h2 a").click()
        expect(page.locator("tr.payment")).to_have_count(1)
        page.wait_for_load_state("load")  # the stylesheet, print rules included

        _printed(page)
        expect(page.locator("#accruals table.list")).to_be_visible()
        expect(page.locator("#payments table.list")).to_be_visible()
        expect(page.locator("tr.payment")).to_contain_text("501")
        expect(page.locator("[data-debt]")).to_be_visible()
        shot(page, f"{lang}-print-lease")

        page.emulate_media(media="screen")
        page.locator("nav.menu a[href$='/cabinet/documents']").click()
        expect(page.locator("tr.document").first).to_be_visible()
        page.wait_for_load_state("load")
        _printed(page)
        shot(page, f"{lang}-print-documents")
    finally:
        context.close()


CHANGES = {
    "ru": ("Изменения договора", "Арендная плата в месяц: 100 000,00 ₽ → 160 000,00 ₽",
           "Договор расторгнут, последний день — 30 июн. 2027 г."),
    "uk": ("Зміни договору", "Орендна плата на місяць: 100 000,00 RUB → 160 000,00 RUB",
           "Договір розірвано, останній день — 30 черв. 2027 р."),
    "en": ("Changes to the lease", "Rent a month: 100,000.00 RUB → 160,000.00 RUB",
           "The lease is terminated; its last day is Jun 30, 2027"),
}  # fmt: skip


def _text(locator: Any) -> str:
    return re.sub("[\u00a0\u202f]", " ", locator.inner_text())


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_the_lease_page_says_what_each_addendum_changed_on_a_desktop_and_a_phone(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    heading, rent, termination = CHANGES[lang]
    change_terms(world)
    _sign_in(page, rentflow, mail, lang)
    page.locator("button.choice").first.click()
    page.locator("article.lease h2 a").click()

    section = page.locator("#addenda")
    expect(section.locator("h2")).to_have_text(heading)
    expect(section.locator("[data-addendum]")).to_have_count(3)
    assert _text(section.locator("[data-addendum]").nth(1).locator("[data-change=rent]")) == rent
    assert termination in _text(section.locator("[data-addendum]").nth(2))
    expect(section.locator("#indexation")).to_contain_text("+5")
    section.scroll_into_view_if_needed()
    shot(page, f"{lang}-lease-addenda")

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width} px"
    box = section.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    section.scroll_into_view_if_needed()
    shot(page, f"{lang}-phone-lease-addenda")


TERMINATION = {
    "ru": "расторжение, последний день — 31 авг. 2026 г.",
    "uk": "розірвання, останній день — 31 серп. 2026 р.",
    "en": "termination, the last day is Aug 31, 2026",
}


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_a_terminated_lease_names_its_termination_in_the_tenant_s_language(
    page: Any, rentflow: Rentflow, world: CabinetWorld, mail: Sink, lang: str
) -> None:
    container = rentflow.container
    with container.uow(world.portals[1]) as uow:
        terminate(uow, container.clock, world.leases[1], {"last_day": "2026-08-31"})
        uow.commit()
    _sign_in(page, rentflow, mail, lang)
    page.locator("button.choice").nth(1).click()
    lease = page.locator("article.lease")
    expect(lease).to_contain_text(TERMINATION[lang])
    if lang != "ru":
        expect(lease).not_to_contain_text("расторжение")
    shot(page, f"{lang}-terminated-lease")
