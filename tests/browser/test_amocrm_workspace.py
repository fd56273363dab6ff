"""The landlord's workspace in the sandbox amoCRM account, in a real browser: install rentflow
from the account, open the widget's advanced settings page as an administrator (the workspace
fills it: add a landlord there), as a manager (refused: settings are for administrators), and
a lead card whose right column hosts the widget's panel showing the lead's lease page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.amocrm_account import (
    ADMIN_ID,
    MANAGER_ID,
    AmoRentflow,
    SandboxAmoAccount,
    amo_rentflow,
    snapshot,
)
from tests.browser.test_bitrix24_workspace import LANDLORD

pytestmark = pytest.mark.browser
__all__ = ["amo_rentflow"]  # the fixture


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    add: str
    save: str
    saved: str
    admins_only: str
    settings_link: str


RU = Texts("ru", "Добавить арендодателя", "Сохранить", "Сохранено: ООО «Ромашка»",
           "Настройки rentflow — только для администраторов аккаунта", "Настройки")  # fmt: skip
EN = Texts("en", "Add a landlord", "Save", "Saved: ООО «Ромашка»",
           "rentflow settings are for account administrators", "Settings")  # fmt: skip


def _fill(frame: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        frame.locator(f"#f-{name}").fill(value)


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_an_administrator_opens_the_advanced_settings_and_adds_a_landlord_there(
    page: Any, amo_rentflow: AmoRentflow, texts: Texts
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    account.act_as(ADMIN_ID, texts.lang)

    area = account.open_advanced_settings()
    workspace = account.workspace()

    expect(area.locator(".rentflow-advanced")).to_have_attribute("data-state", "workspace")
    expect(workspace.locator(".viewer")).to_have_text("Анна Админова")
    workspace.get_by_role("button", name=texts.add).click()
    _fill(workspace, LANDLORD)
    workspace.get_by_role("button", name=texts.save).click()
    expect(workspace.get_by_text(texts.saved)).to_be_visible()
    expect(workspace.locator("#landlords tbody tr")).to_have_count(1)
    snapshot(page, f"amocrm-advanced-settings-landlords-{texts.lang}")
    box = page.locator("#work-area-rentflow iframe").bounding_box()
    assert box is not None
    assert box["width"] > 1000  # the workspace fills the page


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_manager_who_is_not_an_administrator_sees_no_settings(
    page: Any, amo_rentflow: AmoRentflow, texts: Texts
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    account.act_as(MANAGER_ID, texts.lang)
    expect(page.locator(".amo-nav").get_by_text(texts.settings_link)).to_have_count(0)

    area = account.open_advanced_settings()

    expect(area.locator(".rentflow-panel[data-state=error]")).to_have_text(texts.admins_only)
    expect(area.locator("iframe")).to_have_count(0)
    snapshot(page, f"amocrm-manager-no-settings-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_lead_card_hosts_the_panel_with_the_lead_s_lease_page(
    page: Any, amo_rentflow: AmoRentflow, texts: Texts
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    account.act_as(ADMIN_ID, texts.lang)

    lead_id = account.add_lead(name="Аренда офиса 12", company="ООО «Вектор»",
                               inn="7736050003", email="arenda@vector.example")  # fmt: skip

    panel = account.panel()
    expect(panel.locator(".rentflow-panel")).to_have_attribute("data-state", "new")
    frame = account.panel_frame()
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Аренда офиса 12")
    expect(frame.locator("nav.tabs")).to_have_count(0)  # a panel: no sections' tabs
    box = panel.bounding_box()
    assert box is not None
    assert box["width"] <= 320  # amoCRM's narrow right column
    # the frame fits the page it shows (the page tells its height), no second scrollbar
    page.wait_for_function(
        "() => { const f = document.querySelector('.card-widgets iframe');"
        " return f && f.style.height !== '720px'"
        " && f.contentDocument.documentElement.scrollHeight <= f.clientHeight + 1; }"
    )
    snapshot(page, f"amocrm-lead-card-panel-{texts.lang}")
    assert amo_rentflow.account.leads[lead_id]["name"] == "Аренда офиса 12"
