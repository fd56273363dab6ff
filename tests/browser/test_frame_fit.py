"""Frames fit their pages after load too (static/rentflow-frame.js for Bitrix24,
static/rentflow-amocrm-frame.js for amoCRM's lead card panel): a page that grows once shown —
an inline error under a field — gets a taller frame from its CRM again, in a real browser.

The sandbox Bitrix24 portal does not speak the SDK's frame protocol to its frame, so there the
SDK is replaced, before the page's scripts run, by one with the same calls
(``initializeB24Frame()`` → ``parent.fitWindow()``) that notes the page's height at each fit.
In amoCRM the widget's own script.js sets its frame to the height the page posts: the frame
itself is measured."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.amocrm_account import (
    MANAGER_ID,
    AmoRentflow,
    SandboxAmoAccount,
    amo_rentflow,
    snapshot,
)
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal
from tests.browser.test_bitrix24_workspace import WRONG_INN

pytestmark = pytest.mark.browser
__all__ = ["amo_rentflow"]  # the fixture

TEXTS = {  # the add button and the INN's error, as the pages say them (written by hand)
    "ru": ("Добавить арендодателя", "Не сходятся контрольные цифры: проверьте номер."),
    "en": ("Add a landlord", "The control digits do not match: check the number."),
}
NOTED_FITS = """(() => {
  if (window.parent === window) { return; }
  const fits = [];
  const sdk = {initializeB24Frame: () => Promise.resolve({
    parent: {fitWindow: () => {
      fits.push(Math.ceil(document.body.getBoundingClientRect().height));
      return Promise.resolve();
    }},
    installFinish: () => Promise.resolve(),
  })};
  Object.defineProperty(window, "rentflowFits", {value: fits});
  Object.defineProperty(window, "B24Js", {get: () => sdk, set: () => {}});
})();"""


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_bitrix24_frame_is_fitted_again_when_an_inline_error_grows_the_page(
    page: Any, rentflow: Rentflow, lang: str
) -> None:
    add, wrong_inn = TEXTS[lang]
    page.context.add_init_script(NOTED_FITS)
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, lang)
    app = portal.open_app()  # a portal without landlords opens on them
    app.get_by_role("button", name=add).click()
    expect(app.locator("#f-inn")).to_be_visible()
    frame = page.locator("#frame").element_handle().content_frame()
    frame.wait_for_function("() => window.rentflowFits.length > 0")  # fitted on load
    fitted = frame.evaluate("() => window.rentflowFits.slice()")

    app.locator("#f-inn").fill(WRONG_INN)
    app.locator("#f-kpp").focus()
    expect(app.locator("#e-inn")).to_have_text(wrong_inn)

    frame.wait_for_function(  # fitted again, to the taller page
        "([n, height]) => window.rentflowFits.length > n && window.rentflowFits.at(-1) > height",
        arg=[len(fitted), fitted[-1]],
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_amocrm_panel_grows_with_an_inline_error_in_its_page(
    page: Any, amo_rentflow: AmoRentflow, lang: str
) -> None:
    account = SandboxAmoAccount(page, amo_rentflow)
    account.install()
    account.act_as(MANAGER_ID, lang)
    account.add_lead(name="Аренда офиса 12", company="ООО «Вектор»", inn="7736050003")
    form = account.panel_frame()
    expect(form.locator("#f-tenant_inn")).to_have_value("7736050003")
    fitted = page.wait_for_function(
        "() => { const f = document.querySelector('.card-widgets iframe');"
        " return f && f.style.height !== '720px' && f.clientHeight; }"
    ).json_value()

    form.locator("#f-tenant_inn").fill("7736050004")  # one control digit off
    form.locator("#f-tenant_name").focus()
    expect(form.locator("#e-tenant_inn")).not_to_be_empty()

    page.wait_for_function(  # the page posted its new height: the frame follows, no scrollbar
        "height => { const f = document.querySelector('.card-widgets iframe');"
        " return f.clientHeight > height"
        " && f.contentDocument.documentElement.scrollHeight <= f.clientHeight + 1; }",
        arg=fitted,
    )
    snapshot(page, f"amocrm-panel-inline-error-{lang}")
