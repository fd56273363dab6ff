"""The lease card's settings in the sandbox Bitrix24 portal, in a real browser: a wrong
address refused next to its field with what was typed kept, then the recipients and auto-send
changed, the card and its history showing them, in Russian and English. A wrong address is
answered when its field loses focus, within a second, and again when the form is sent.
Screenshots with ``RENTFLOW_SCREENSHOTS=<dir>``."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.domain.lease import LeaseStatus
from backend.services.leases import register_lease
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, follow, snapshot
from tests.browser.test_workspace_leases import _look, _setup

pytestmark = pytest.mark.browser


def _look_at(part: Any, name: str) -> None:
    """One part of the card (below what a whole-page picture of a long card keeps)."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        part.screenshot(path=str(Path(target) / f"{name}.png"))


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    leases_tab: str
    bad_email: str
    saved: str
    yes: str
    changed: str
    recipients: str
    auto_send: str


RU = Texts(
    "ru", "Договоры", "Это не адрес электронной почты.",
    "Настройки договора сохранены; они действуют для документов, выставляемых с этого момента.",
    "да", "Изменены настройки договора",
    "получатели: buh@vasilek.example, director@vasilek.example → pay@vasilek.example",
    "автоматическая отправка: нет → да",
)  # fmt: skip
EN = Texts(
    "en", "Leases", "Not an e-mail address.",
    "Lease settings saved; they apply to documents issued from now on.",
    "yes", "Lease settings changed",
    "recipients: buh@vasilek.example, director@vasilek.example → pay@vasilek.example",
    "sent automatically: no → yes",
)  # fmt: skip


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_recipients_and_auto_send_changed_on_the_card_show_on_it_and_in_its_history(
    page: Any, rentflow: Rentflow, texts: Texts
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    container = rentflow.container
    with container.uow(portal_id) as uow:
        made = factories.lease(status=LeaseStatus.SIGNED, start=date(2026, 1, 1))
        lease_id = register_lease(uow, container.clock, made).lease_id
        uow.commit()
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()
    follow(app, app.get_by_role("link", name=texts.leases_tab))
    app.get_by_role("link", name="№ А-15/2026").click()
    form = app.locator("#form-settings")
    expect(form).to_be_visible()
    _look(page, f"lease-settings-card-{texts.lang}")

    form.locator("#settings-tenant_emails").fill("pay@vasilek")
    started = time.perf_counter()
    form.locator("#settings-due_days").focus()  # the addresses lose focus: the inline check
    expect(app.locator("#settings-tenant_emails-e")).to_have_text(texts.bad_email, timeout=1000)
    assert (time.perf_counter() - started) * 1000 < 1000
    form.locator("#settings-auto_send").check()
    form.locator("button[type=submit]").click()
    expect(app.locator("p.notice-error").first).to_be_visible()  # the card again: 422
    expect(app.locator("#settings-tenant_emails-e")).to_have_text(texts.bad_email)
    expect(app.locator("#settings-tenant_emails")).to_have_value("pay@vasilek")  # kept
    expect(app.locator("#settings-auto_send")).to_be_checked()
    snapshot(page, f"lease-settings-error-{texts.lang}")
    _look_at(app.locator("#form-settings"), f"lease-settings-error-form-{texts.lang}")

    app.locator("#settings-tenant_emails").fill("pay@vasilek.example")
    app.locator("#form-settings button[type=submit]").click()
    expect(app.locator("#done")).to_have_text(texts.saved)
    expect(app.locator("#recipients")).to_have_text("pay@vasilek.example")
    expect(app.locator("#auto-send")).to_have_text(texts.yes)
    history = app.locator("#history")
    expect(history).to_contain_text(texts.changed)
    expect(history).to_contain_text(texts.recipients)
    expect(history).to_contain_text(texts.auto_send)
    expect(history).to_contain_text("Анна Админова")  # who changed it
    _look(page, f"lease-settings-saved-{texts.lang}")
    _look_at(app.locator("#form-settings"), f"lease-settings-saved-form-{texts.lang}")
    _look_at(history, f"lease-settings-history-{texts.lang}")
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(lease_id)
    assert lease.auto_send
    assert lease.tenant.emails == ("pay@vasilek.example",)


@pytest.mark.parametrize(
    ("lang", "leases_tab", "kind"), [("ru", "Договоры", "Счёт (коммунальные услуги)"),
                                     ("en", "Leases", "Invoice (utilities)")], ids=["ru", "en"],
)  # fmt: skip
def test_utilities_invoiced_from_the_card_are_listed_by_their_purpose(
    page: Any, rentflow: Rentflow, lang: str, leases_tab: str, kind: str
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal_id = _setup(rentflow)
    container = rentflow.container
    with container.uow(portal_id) as uow:
        made = factories.lease(status=LeaseStatus.SIGNED, start=date(2026, 1, 1))
        register_lease(uow, container.clock, made)
        uow.commit()
    portal.act_as(ADMIN, lang)
    app = portal.open_app()
    follow(app, app.get_by_role("link", name=leases_tab))
    app.get_by_role("link", name="№ А-15/2026").click()

    form = app.locator("#form-charge")
    form.locator("#charge-purpose").select_option("utilities")
    form.locator("#charge-amount").fill("12 200,00")
    form.locator("#charge-start").fill("2026-01-01")
    form.locator("#charge-end").fill("2026-01-31")
    form.locator("button[type=submit]").click()

    expect(app.locator("#done")).to_be_visible(timeout=30_000)  # numbered, rendered, published
    row = app.locator("#documents tbody tr").first
    expect(row).to_contain_text(kind)
    expect(row).to_contain_text("12")
    _look_at(app.locator("#documents"), f"lease-charge-documents-{lang}")
    _look_at(app.locator("#form-charge"), f"lease-charge-form-{lang}")
