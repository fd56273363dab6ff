"""Steps both CRMs' browser walks take in the workspace, whichever CRM frames it: add the
walks' landlord (a wrong INN refused next to its field within a second, then corrected) and
add the premises the lease is made on."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_bitrix24_workspace import LANDLORD, WRONG_INN

PREMISES = {"building": "БЦ «Вавилов»", "number": "204", "area": "50", "price_per_m2": "2400"}


def fill(frame: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        frame.locator(f"#f-{name}").fill(value)


def add_landlord_after_a_wrong_inn(
    frame: Any, on_refusal: Callable[[], None] | None = None
) -> None:
    """The landlords' form, in Russian: a wrong INN is refused inline in under a second,
    ``on_refusal()`` looks at it, the INN is corrected and the landlord saved."""
    frame.get_by_role("button", name="Добавить арендодателя").click()
    fill(frame, {**LANDLORD, "inn": WRONG_INN})
    started = time.perf_counter()
    frame.locator("#f-kpp").focus()  # the INN field loses focus: the inline check runs
    expect(frame.locator("#e-inn")).to_have_text(
        "Не сходятся контрольные цифры: проверьте номер.", timeout=1000
    )
    assert (time.perf_counter() - started) < 1.0
    if on_refusal is not None:
        on_refusal()
    frame.locator("#f-inn").fill(LANDLORD["inn"])
    frame.get_by_role("button", name="Сохранить").click()
    expect(frame.get_by_text("Сохранено: ООО «Ромашка»")).to_be_visible()


def add_premises(frame: Any) -> None:
    """The premises register, in Russian: one office, 50 m² at 2 400 ₽ a m²."""
    frame.get_by_role("link", name="Помещения", exact=True).click()
    frame.get_by_role("button", name="Добавить помещение").click()
    fill(frame, PREMISES)
    frame.get_by_role("button", name="Сохранить").click()
    expect(frame.locator("#premises tbody tr")).to_have_count(1)
    expect(frame.locator("#premises tbody tr")).to_contain_text(PREMISES["number"])
