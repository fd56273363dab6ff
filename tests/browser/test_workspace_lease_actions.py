"""The lease card's addendum and termination in a real browser, in the sandbox Bitrix24
portal: a date before the lease starts is answered next to its field (in the viewer's
language only) with what was typed kept; a new rent from a month re-plans the schedule from
there; terminating from a day ends the term there and plans nothing more. In Russian and
English; screenshots with ``RENTFLOW_SCREENSHOTS=<dir>``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from backend.domain.lease import Addendum, Lease, LeaseStatus, Rent
from backend.domain.periods import add_months
from backend.services.leases import register_lease
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, follow, snapshot
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


def _leases_list(page: Any, rentflow: Rentflow, lease: Lease, lang: str, tab: str) -> Any:
    """The sandbox portal installed, a landlord and ``lease`` (signed) stored, the app open
    on its leases list for an administrator reading ``lang``."""
    container = rentflow.container
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    with container.uow(portal_id) as uow:
        register_lease(uow, container.clock, replace(lease, status=LeaseStatus.SIGNED))
        uow.commit()
    portal.act_as(ADMIN, lang)
    app = portal.open_app()
    follow(app, app.get_by_role("link", name=tab))
    return app


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_an_addendum_and_a_termination_from_the_lease_card(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    start = add_months(rentflow.container.clock.today().replace(day=1), -1)
    lease = factories.lease(number="Д-1", start=start, end=add_months(start, 12) - timedelta(1))
    app = _leases_list(page, rentflow, lease, texts.lang, texts.leases_tab)
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


@dataclass(frozen=True)
class InForce:
    """What the card and the list say of a lease whose rent an addendum changed (by hand)."""

    lang: str
    leases_tab: str
    rent_now: str
    change: str  # "from <date>: <rent>", the date in the page's long style
    termination: str
    last_day: str  # "the last day is <date>"
    nothing_planned: str
    russian_name: str  # what the English page must not say


IN_FORCE_RU = InForce(
    "ru", "Договоры", "120\xa0000,00\xa0₽", "с {date}: 130\xa0000,00\xa0₽", "Расторжение",
    "последний день — {date}", "Договор расторгнут: больше ничего не планируется.", "",
)  # fmt: skip
IN_FORCE_EN = InForce(
    "en", "Leases", "120,000.00", "from {date}: 130,000.00", "Termination",
    "the last day is {date}", "The lease is terminated: nothing more is planned.", "расторжение",
)  # fmt: skip


@pytest.mark.parametrize("texts", [IN_FORCE_RU, IN_FORCE_EN], ids=["ru", "en"])
def test_the_card_and_the_list_show_the_rent_in_force_and_a_termination_in_the_viewer_s_language(
    page: Any, rentflow: Rentflow, texts: InForce
) -> None:
    this_month = rentflow.container.clock.today().replace(day=1)
    start, later = add_months(this_month, -2), add_months(this_month, 2)
    lease = factories.lease(
        number="Д-2", start=start, end=add_months(start, 12) - timedelta(1),
        addenda=[
            Addendum("ДС-1", this_month, rent=Rent(Decimal("120000.00"))),  # in force today
            Addendum("ДС-2", later, rent=Rent(Decimal("130000.00"))),
        ],
    )  # fmt: skip
    app = _leases_list(page, rentflow, lease, texts.lang, texts.leases_tab)
    row = app.locator("#leases tbody tr", has_text="№ Д-2")
    expect(row.locator("td.rent")).to_contain_text(texts.rent_now)
    app.get_by_role("link", name="№ Д-2").click()
    expect(app.locator("#rent")).to_contain_text(texts.rent_now)  # not the 100 000 first typed
    expect(app.locator(".rent-change")).to_contain_text(
        texts.change.format(date=format_date(later, "long", locale=texts.lang))
    )
    _look(page, f"lease-rent-in-force-{texts.lang}")

    page.on("dialog", lambda dialog: dialog.accept())  # "Terminate the lease?"
    last_day = add_months(this_month, 1) - timedelta(days=1)
    app.locator("#terminate-last_day").fill(last_day.isoformat())
    app.locator("#form-status button[type=submit]").first.click()
    expect(app.locator("tr.termination")).to_have_text(
        texts.termination
        + texts.last_day.format(date=format_date(last_day, "medium", locale=texts.lang))
    )
    expect(app.locator("#history")).to_contain_text(texts.termination)
    if texts.russian_name:
        expect(app.locator("body")).not_to_contain_text(texts.russian_name)
    expect(app.locator(".rent-change")).to_have_count(0)  # the term ends before ДС-2
    expect(app.locator("#schedule-empty")).to_have_text(texts.nothing_planned)
    _look(page, f"lease-terminated-in-force-{texts.lang}")
