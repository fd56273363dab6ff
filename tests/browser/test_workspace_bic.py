"""The bank by its BIC in the landlord form, in a real browser (ru and en): with the Bank of
Russia's directory loaded (the sandbox sample, as ``rentflow serve`` loads it), typing a БИК
and leaving the field fills the bank's name and correspondent account and names its city; a
БИК the directory lacks is said next to the field; the landlord is saved with the bank."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.cli.bic import load_sandbox_directory
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, snapshot

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    add: str
    save: str
    found: str
    not_found: str
    saved: str


RU = Texts(
    "ru", "Добавить арендодателя", "Сохранить",
    'АО "АЛЬФА-БАНК", г. Москва — по справочнику БИК Банка России',
    "БИК не найден в справочнике Банка России", "Сохранено: ООО «Ромашка»",
)  # fmt: skip
EN = Texts(
    "en", "Add a landlord", "Save",
    "АО \"АЛЬФА-БАНК\", г. Москва — from the Bank of Russia's BIC directory",
    "BIC not found in the Bank of Russia's directory", "Saved: ООО «Ромашка»",
)  # fmt: skip

LANDLORD = {
    "name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
    "director_name": "Иванов И. И.", "bank_account": "40702810801300000001",
}  # fmt: skip
ALFA = "044525593"
UNKNOWN = "044525999"  # a БИК's shape, no bank's


def _fill(frame: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        frame.locator(f"#f-{name}").fill(value)


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_leaving_the_bic_fills_the_bank_from_the_directory_and_the_landlord_is_saved(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    assert load_sandbox_directory(rentflow.container) is not None
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("button", name=texts.add).click()
    _fill(app, LANDLORD)

    app.locator("#f-bank_bic").fill(UNKNOWN)
    app.locator("#f-bank_name").focus()  # the БИК field is left
    expect(app.locator("#n-bank_bic")).to_have_text(texts.not_found)
    expect(app.locator("#f-bank_name")).to_have_value("")
    snapshot(page, f"landlord-bic-unknown-{texts.lang}")

    app.locator("#f-bank_bic").fill(ALFA)
    started = time.perf_counter()
    app.locator("#f-bank_name").focus()
    expect(app.locator("#f-bank_name")).to_have_value('АО "АЛЬФА-БАНК"', timeout=1000)
    print(
        f"bank filled from the BIC [{texts.lang}]: {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    expect(app.locator("#f-bank_corr_account")).to_have_value("30101810200000000593")
    expect(app.locator("#n-bank_bic")).to_have_text(texts.found)
    expect(app.locator("#e-bank_bic")).to_have_text("")
    expect(app.locator("#e-bank_name")).to_have_text("")  # its "required" of a moment ago goes
    snapshot(page, f"landlord-bic-filled-{texts.lang}")

    app.locator("#f-bank_name").fill("АО «Альфа-Банк»")  # still the person's to edit
    app.get_by_role("button", name=texts.save).click()

    expect(app.get_by_text(texts.saved)).to_be_visible()
    row = app.locator("#landlords tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("АО «Альфа-Банк»")
    expect(row.first).to_contain_text(LANDLORD["bank_account"])
    snapshot(page, f"landlords-list-bic-{texts.lang}")
