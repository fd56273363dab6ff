"""The lease card's addendum and termination in a real browser, in the sandbox Bitrix24
portal: a date before the lease starts is answered next to its field (in the viewer's
language only) with what was typed kept; a new rent from a month re-plans the schedule from
there; terminating from a day ends the term there and plans nothing more. In Russian and
English; screenshots with ``RENTFLOW_SCREENSHOTS=<dir>``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.domain.lease import LeaseStatus
from backend.domain.periods import add_months
from backend.services.leases import register_lease
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, snapshot
from tests.browser.test_workspace_leases import _look, _setup

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    leases_tab: str
    before_start: str  # the start of the sentence; the date follows
    not_after_start: str
    added: str
    terminated: str
    status: str
    new_rent: str
    other_language: str  # what must not be on the page (the domain's English reason)


RU = Texts(
    "ru", "Договоры", "Не раньше начала договора (", "Позже начала договора.",
    "Доп. соглашение ДС-1 добавлено", "Договор расторгнут.", "Расторгнут", "120 000,00",
    "is before the lease starts",
)  # fmt: skip
EN = Texts(
    "en", "Leases", "Must not be before the lease starts (", "Must be after the lease starts.",
    "Addendum ДС-1 added", "Lease terminated.", "Terminated", "120,000.00",
    "is before the lease starts",
)  # fmt: skip


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_an_addendum_and_a_termination_from_the_lease_card(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    container = rentflow.container
    start = add_months(container.clock.today().replace(day=1), -1)
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    lease = factories.lease(number="Д-1", start=start, end=add_months(start, 12) - timedelta(1))
    with container.uow(portal_id) as uow:
        register_lease(uow, container.clock, replace(lease, status=LeaseStatus.SIGNED))
        uow.commit()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    app.get_by_role("link", name=texts.leases_tab).click()
    app.get_by_role("link", name="№ Д-1").click()

    app.locator("#addendum-number").fill("ДС-1")
    app.locator("#addendum-effective_from").fill((start - timedelta(days=1)).isoformat())
    app.locator("#addendum-rent").fill("120000")
    app.locator("#form-addendum button[type=submit]").click()
    expect(app.locator("#addendum-effective_from-e")).to_contain_text(texts.before_start)
    expect(app.locator("body")).not_to_contain_text(texts.other_language)
    expect(app.locator("#addendum-number")).to_have_value("ДС-1")  # what was typed is kept
    expect(app.locator("#addendum-rent")).to_have_value("120000")
    _look(page, f"lease-addendum-before-start-{texts.lang}")

    changed_from = add_months(start, 3)
    app.locator("#addendum-effective_from").fill(changed_from.isoformat())
    app.locator("#form-addendum button[type=submit]").click()
    expect(app.locator("#done")).to_contain_text(texts.added)
    rows = app.locator("#schedule tbody tr[data-kind=invoice]")
    expect(rows.nth(2)).not_to_contain_text(texts.new_rent)  # the third month: the old rent
    expect(rows.nth(3)).to_contain_text(texts.new_rent)  # from the addendum's month on
    expect(rows.last).to_contain_text(texts.new_rent)
    snapshot(page, f"lease-addendum-done-{texts.lang}")

    page.on("dialog", lambda dialog: dialog.accept())  # "Terminate the lease?"
    app.locator("#terminate-last_day").fill((start - timedelta(days=1)).isoformat())
    app.locator("#form-status button[type=submit]").first.click()
    expect(app.locator("#terminate-last_day-e")).to_have_text(texts.not_after_start)
    expect(app.locator("#terminate-last_day")).to_have_value((start - timedelta(1)).isoformat())
    snapshot(page, f"lease-terminate-refused-{texts.lang}")

    last_day = add_months(start, 6) - timedelta(days=1)
    app.locator("#terminate-last_day").fill(last_day.isoformat())
    app.locator("#form-status button[type=submit]").first.click()
    expect(app.locator("#done")).to_have_text(texts.terminated)
    expect(app.locator("#lease-status")).to_have_text(texts.status)
    expect(app.locator("#schedule tbody tr[data-kind=invoice]")).to_have_count(0)
    _look(page, f"lease-terminated-{texts.lang}")
