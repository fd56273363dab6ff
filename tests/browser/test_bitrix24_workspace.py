"""The landlord's workspace in the sandbox Bitrix24 portal, in a real browser: install the
app, add a landlord on the app page (a wrong INN refused inline within a second, what was
typed kept), see it listed, offered in a deal's tab; a manager sees no settings."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.services.landlords import read_form, save_landlord_form
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, MANAGER, SandboxPortal, snapshot

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    add: str
    save: str
    wrong_inn: str
    not_saved: str
    saved: str
    admins_only: str
    landlord_option: str
    pipelines_tab: str
    pipelines_title: str
    landlords_tab: str
    choose: str


RU = Texts(
    "ru", "Добавить арендодателя", "Сохранить",
    "Не сходятся контрольные цифры: проверьте номер.",
    "Не сохранено: исправьте поля, отмеченные красным.", "Сохранено: ООО «Ромашка»",
    "Настройки — только для администраторов портала", "Ромашка (ИНН 7707083893)",
    "Воронки и стадии", "rentflow: настройка воронок", "Арендодатели", "Выберите…",
)  # fmt: skip
EN = Texts(
    "en", "Add a landlord", "Save", "The control digits do not match: check the number.",
    "Not saved: correct the fields marked in red.", "Saved: ООО «Ромашка»",
    "Settings are for portal administrators", "Ромашка (INN 7707083893)",
    "Pipelines and stages", "rentflow: pipeline settings", "Landlords", "Choose…",
)  # fmt: skip

LANDLORD = {
    "name": "ООО «Ромашка»", "short_name": "Ромашка", "inn": "7707083893", "kpp": "773601001",
    "ogrn": "1027700132195", "address": "г. Москва, ул. Вавилова, д. 19",
    "bank_bic": "044525225", "bank_name": "ПАО СБЕРБАНК",
    "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
    "director_name": "Иванов И. И.", "accountant_name": "Петрова А. С.",
    "invoice_prefix": "СЧ-{year}-", "act_prefix": "А-",
    "email": "rent@romashka.example", "accountant_email": "buh@romashka.example",
}  # fmt: skip
WRONG_INN = "7707083894"  # one control digit off


def _fill(frame: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        frame.locator(f"#f-{name}").fill(value)


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_an_admin_adds_a_landlord_a_wrong_inn_refused_inline_and_the_landlord_listed(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("button", name=texts.add).click()
    snapshot(page, f"landlords-empty-form-{texts.lang}")

    _fill(app, {**LANDLORD, "inn": WRONG_INN})
    started = time.perf_counter()
    app.locator("#f-kpp").focus()  # the INN field loses focus: the inline check runs
    expect(app.locator("#e-inn")).to_have_text(texts.wrong_inn, timeout=1000)
    inline_ms = (time.perf_counter() - started) * 1000
    print(f"inline INN check [{texts.lang}]: {inline_ms:.0f} ms")
    assert inline_ms < 1000
    expect(app.locator("#e-name")).to_have_text("")  # right fields carry no error
    snapshot(page, f"landlord-wrong-inn-{texts.lang}")

    app.get_by_role("button", name=texts.save).click()
    expect(app.get_by_text(texts.not_saved)).to_be_visible()
    expect(app.locator("#e-inn")).to_have_text(texts.wrong_inn)
    expect(app.locator("#f-name")).to_have_value(LANDLORD["name"])  # what was typed is kept
    expect(app.locator("#f-bank_account")).to_have_value(LANDLORD["bank_account"])
    expect(app.locator("#f-inn")).to_have_value(WRONG_INN)

    app.locator("#f-inn").fill(LANDLORD["inn"])
    app.get_by_role("button", name=texts.save).click()

    expect(app.get_by_text(texts.saved)).to_be_visible()
    row = app.locator("#landlords tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Ромашка")
    expect(row.first).to_contain_text("7707083893 / 773601001")
    expect(row.first).to_contain_text("ПАО СБЕРБАНК")
    snapshot(page, f"landlords-list-{texts.lang}")

    app.get_by_role("link", name=texts.pipelines_tab).click()
    expect(app.get_by_role("heading", level=1)).to_have_text(texts.pipelines_title)
    snapshot(page, f"pipelines-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_manager_who_is_not_an_admin_sees_no_settings(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(MANAGER, texts.lang)

    app = portal.open_app()

    expect(app.locator("body.workspace")).to_be_visible()  # inside the workspace, but
    expect(app.get_by_role("link", name=texts.pipelines_tab)).to_have_count(0)  # no settings
    expect(app.get_by_role("link", name=texts.landlords_tab)).to_have_count(0)
    expect(app.get_by_role("button", name=texts.add)).to_have_count(0)
    snapshot(page, f"manager-no-settings-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_the_deal_tab_offers_the_portals_landlords_by_name(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    container = rentflow.container
    with container.uow() as uow:
        stored = uow.portals.list()[0]
    with container.uow(stored.id) as uow:
        save_landlord_form(uow, container.clock, read_form(LANDLORD))
        uow.commit()
    portal.add_deal()
    portal.act_as(MANAGER, texts.lang)

    tab = portal.open_deal_tab()
    tab.locator("#create-lease").click()  # the tab opens the lease form of the workspace

    expect(tab.locator("#f-landlord option")).to_have_text([texts.choose, "ООО «Ромашка»"])
    snapshot(page, f"deal-tab-lease-form-{texts.lang}")
