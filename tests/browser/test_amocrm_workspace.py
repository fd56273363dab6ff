"""The landlord's workspace in the sandbox amoCRM account, in a real browser: install rentflow
from the account, open the widget's advanced settings page as an administrator (the workspace
fills it: add a landlord there, a wrong INN refused next to its field within a second), as a
manager (refused: settings are for administrators), rentflow's section of the left menu (a
manager sees their own leases and what needs attention in them, no settings; an administrator
all leases and the settings' tabs), and a manager's lead card whose right column hosts the
widget's panel with the lease form for the lead."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.domain.parties import Person
from backend.services.leases import register_lease
from tests import factories
from tests.browser.amocrm_account import (
    ADMIN_ID,
    MANAGER_ID,
    AmoRentflow,
    SandboxAmoAccount,
    amo_rentflow,
    assert_fits_across,
    snapshot,
)
from tests.browser.test_bitrix24_workspace import LANDLORD, WRONG_INN

pytestmark = pytest.mark.browser
__all__ = ["amo_rentflow"]  # the fixture


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    add: str
    save: str
    saved: str
    wrong_inn: str
    admins_only: str
    settings_link: str
    new_lease: str
    leases: str
    attention: str
    admin_tabs: tuple[str, ...]


RU = Texts("ru", "Добавить арендодателя", "Сохранить", "Сохранено: ООО «Ромашка»",
           "Не сходятся контрольные цифры: проверьте номер.",
           "Настройки rentflow — только для администраторов аккаунта", "Настройки",
           "Новый договор", "Договоры", "Требует внимания",
           ("Оплаты", "Арендодатели", "Настройки", "Воронки и стадии"))  # fmt: skip
EN = Texts("en", "Add a landlord", "Save", "Saved: ООО «Ромашка»",
           "The control digits do not match: check the number.",
           "rentflow settings are for account administrators", "Settings", "New lease",
           "Leases", "Needs attention",
           ("Payments", "Landlords", "Settings", "Pipelines and stages"))  # fmt: skip


def _fill(frame: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        frame.locator(f"#f-{name}").fill(value)


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_an_administrator_adds_a_landlord_in_advanced_settings_a_wrong_inn_refused_inline(
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
    _fill(workspace, {**LANDLORD, "inn": WRONG_INN})
    started = time.perf_counter()
    workspace.locator("#f-kpp").focus()  # the INN field loses focus: the inline check runs
    expect(workspace.locator("#e-inn")).to_have_text(texts.wrong_inn, timeout=1000)
    inline_ms = (time.perf_counter() - started) * 1000
    print(f"inline INN check in amoCRM [{texts.lang}]: {inline_ms:.0f} ms")
    assert inline_ms < 1000
    workspace.locator("#f-inn").fill(LANDLORD["inn"])
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

    area = account.open_advanced_settings(by_menu=False)

    expect(area.locator(".rentflow-panel[data-state=error]")).to_have_text(texts.admins_only)
    expect(area.locator("iframe")).to_have_count(0)
    snapshot(page, f"amocrm-manager-no-settings-{texts.lang}")


def _a_lease_each(rentflow: AmoRentflow) -> None:
    """Two draft leases: "М-1" managed by the manager, "А-2" by the administrator."""
    c = rentflow.container
    with c.uow() as uow:
        portal_id = uow.portals.list()[0].id
    with c.uow(portal_id) as uow:
        for number, user, name in (("М-1", MANAGER_ID, "Михаил Менеджеров"),
                                   ("А-2", ADMIN_ID, "Анна Админова")):  # fmt: skip
            register_lease(uow, c.clock, factories.lease(
                number=number, start=date(2026, 1, 1), end=date(2026, 12, 31),
                manager=Person(name=name, crm_user_id=str(user)),
            ))  # fmt: skip
        uow.commit()


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_the_left_menu_shows_a_manager_their_leases_and_an_administrator_the_settings(
    page: Any, amo_rentflow: AmoRentflow, texts: Texts
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    _a_lease_each(amo_rentflow)
    account.act_as(MANAGER_ID, texts.lang)
    menu = page.locator(".amo-nav .amo-menu-section[data-code=rentflow]")
    expect(menu.locator("a")).to_have_text([texts.leases, texts.attention])

    workspace = account.open_menu_page("leases")

    expect(workspace.locator(".viewer")).to_have_text("Михаил Менеджеров")
    expect(workspace.get_by_role("heading", level=1)).to_have_text(texts.leases)
    expect(workspace.locator("#leases tbody tr")).to_have_count(1)
    expect(workspace.locator("#leases")).to_contain_text("№ М-1")
    expect(workspace.locator("#leases")).not_to_contain_text("№ А-2")
    tabs = workspace.locator("nav.tabs")
    expect(tabs.get_by_role("link", name=texts.leases, exact=True)).to_be_visible()
    for tab in texts.admin_tabs:  # no settings for a manager
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_have_count(0)
    box = page.locator("#work-area-rentflow iframe").bounding_box()
    assert box is not None
    assert box["width"] > 1000  # the workspace fills the page
    snapshot(page, f"amocrm-menu-leases-manager-{texts.lang}")

    workspace = account.open_menu_page("attention")
    expect(workspace.get_by_role("heading", level=1)).to_have_text(texts.attention)
    expect(workspace.locator(".attention-item[data-lease='М-1']").first).to_be_visible()
    expect(workspace.locator(".attention-item[data-lease='А-2']")).to_have_count(0)
    snapshot(page, f"amocrm-menu-attention-manager-{texts.lang}")

    account.act_as(ADMIN_ID, texts.lang)
    workspace = account.open_menu_page("leases")
    expect(workspace.locator(".viewer")).to_have_text("Анна Админова")
    expect(workspace.locator("#leases tbody tr")).to_have_count(2)
    tabs = workspace.locator("nav.tabs")
    for tab in texts.admin_tabs:
        expect(tabs.get_by_role("link", name=tab, exact=True)).to_be_visible()
    snapshot(page, f"amocrm-menu-leases-admin-{texts.lang}")


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_manager_s_lead_card_hosts_the_panel_with_the_lease_form_from_the_lead(
    page: Any, amo_rentflow: AmoRentflow, texts: Texts
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    account.act_as(MANAGER_ID, texts.lang)

    lead_id = account.add_lead(name="Аренда офиса 12", company="ООО «Вектор»",
                               inn="7736050003", email="arenda@vector.example")  # fmt: skip

    panel = account.panel()
    expect(panel.locator(".rentflow-panel")).to_have_attribute("data-state", "new")
    frame = account.panel_frame()
    expect(frame.get_by_role("heading", level=1)).to_contain_text(texts.new_lease)
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Аренда офиса 12")
    expect(frame.locator("nav.tabs")).to_have_count(0)  # a panel: no sections' tabs
    expect(frame.locator("#f-tenant_name")).to_have_value("ООО «Вектор»")
    expect(frame.locator("#f-manager")).to_have_value(str(MANAGER_ID))  # signed for him
    box = panel.bounding_box()
    assert box is not None
    assert box["width"] <= 320  # amoCRM's narrow right column
    # the frame fits the page it shows (the page tells its height), no second scrollbar
    page.wait_for_function(
        "() => { const f = document.querySelector('.card-widgets iframe');"
        " return f && f.style.height !== '720px'"
        " && f.contentDocument.documentElement.scrollHeight <= f.clientHeight + 1; }"
    )
    assert_fits_across(frame)  # nothing cut off at the column's right edge
    snapshot(page, f"amocrm-lead-card-panel-{texts.lang}")
    assert amo_rentflow.account.leads[lead_id]["name"] == "Аренда офиса 12"
