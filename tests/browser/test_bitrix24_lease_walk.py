"""A landlord's day in the sandbox Bitrix24 portal, in a real browser, everything through the
pages: the administrator adds a landlord (a wrong INN refused next to its field within a
second), maps the pipeline and adds premises on the app page; a deal gets a lease from its
tab (the premises from the register); the deal is moved to "signed" in the portal, which
plans the schedule; an invoice is issued from the lease card (its PDF opens); a bank
statement pays it partly, the rest is placed by the invoice's number, the deal's debt field
drops to zero; the billing run (Settings, run now) acts the paid month, the act is marked
signed and its original received, and nothing needs attention any more.

Tasks run as they are queued (``rentflow_now``), as a worker would run them, so the deal hears
of each step as it would in production."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from celery import _state as celery_state
from playwright.sync_api import expect

from backend.bootstrap import bootstrap
from backend.config import Settings
from sandbox.loopback import free_port, serve
from tests.browser.amocrm_account import _eager_celery, _run_now
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, snapshot
from tests.browser.statements import partly_paid
from tests.browser.walk_steps import add_landlord_after_a_wrong_inn, add_premises, fill

pytestmark = pytest.mark.browser
SLOW = 30_000  # ms: a step that renders a PDF or talks to the portal several times
TENANT_INN = "7728168971"  # the sandbox portal's company (ООО "Василёк")


@pytest.fixture
def rentflow_now(settings: Settings, db_url: str) -> Iterator[Rentflow]:
    """rentflow and the sandbox portal on one loopback port, tasks run when queued."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser suite runs once, on SQLite")
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend.web.app import create_app
    from sandbox.mount import sandbox_apps

    port = free_port()
    sandboxed = replace(settings, sandbox=True, public_base_url=f"http://127.0.0.1:{port}")
    container = bootstrap(sandboxed)
    container.task_sender = partial(_run_now, container)
    app = create_app(container=container)
    mounts = {s.prefix: s.app for s in sandbox_apps(sandboxed) if s.name == "bitrix24"}
    previous = celery_state.default_app
    _eager_celery(sandboxed)
    try:
        with serve(DispatcherMiddleware(app, mounts), port=port) as url:
            yield Rentflow(container, url)
    finally:
        celery_state.set_default_app(previous)
        container.dispose()


def _deal(rentflow: Rentflow) -> dict[str, Any]:
    (deal,) = requests.get(f"{rentflow.portal_page}state", timeout=10).json()["deals"]
    return dict(deal)


def _lease_status(rentflow: Rentflow) -> str:
    c = rentflow.container
    with c.uow() as uow:
        portal_id = uow.portals.list()[0].id
    with c.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
        return str(lease.status)


def _wait_for(done: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the portal's event was not worked off"
        time.sleep(0.1)


def test_a_deal_gets_a_lease_is_signed_invoiced_paid_acted_and_clear(
    page: Any, rentflow_now: Rentflow, tmp_path: Path
) -> None:
    rentflow = rentflow_now
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    portal.act_as(ADMIN, "ru")
    app = portal.open_app()  # a portal without landlords opens on them

    add_landlord_after_a_wrong_inn(app)

    app.get_by_role("link", name="Воронки и стадии").click()
    app.get_by_role("button", name="Сохранить").click()
    expect(app.get_by_text("Сохранено", exact=True)).to_be_visible()

    add_premises(app)
    snapshot(page, "bitrix24-walk-1-premises")

    today = rentflow.container.clock.today()
    month_end = today.replace(day=1) - timedelta(days=1)
    start = month_end.replace(day=1)  # from last month: it is invoiced by hand, then acted
    end = date(start.year + 1, start.month, 1) - timedelta(days=2)
    portal.add_deal()
    portal.act_as(ADMIN, "ru")
    tab = portal.open_deal_tab()
    tab.locator("#create-lease").click()
    expect(tab.locator("#f-tenant_inn")).to_have_value(TENANT_INN)  # the deal's company
    fill(tab, {"number": "Б-7", "signed_on": start.isoformat(), "start": start.isoformat(),
               "end": end.isoformat()})  # fmt: skip
    tab.locator("#f-premises").select_option(index=1)  # the register's one: 50 m² × 2 400 ₽
    tab.locator("#lease-form button[type=submit]").click()
    expect(tab.locator("#done")).to_contain_text("Б-7")
    snapshot(page, "bitrix24-walk-2-lease-created")

    moved = requests.post(
        f"{rentflow.portal_page}deals/1/move", json={"stageId": "EXECUTING"}, timeout=30
    )  # the deal dragged to "signed" on the kanban
    assert moved.status_code == 200
    _wait_for(lambda: _lease_status(rentflow) == "signed")  # its event, heard and worked off
    page.reload()
    portal.act_as(ADMIN, "ru")
    tab = portal.open_deal_tab()
    tab.locator("#open-card").click()
    expect(tab.locator("#schedule tbody tr").first).to_be_visible()
    tab.locator("#invoice-start").fill(start.isoformat())
    tab.locator("#invoice-end").fill(month_end.isoformat())
    tab.locator("#form-invoice button[type=submit]").click()
    expect(tab.locator("#done")).to_be_visible(timeout=SLOW)
    pdf = tab.locator("#documents a.pdf").first
    number = pdf.inner_text().removeprefix("№ ").removesuffix(" (PDF)")
    answer = page.request.get(pdf.get_attribute("href") or "")
    assert (answer.status, answer.body()[:5]) == (200, b"%PDF-")
    expect(tab.locator("#documents")).to_contain_text("120 000,00")
    snapshot(page, "bitrix24-walk-3-invoiced")
    assert Decimal(str(_deal(rentflow)["UF_CRM_RENTFLOW_DEBT"])) == Decimal("120000")

    app = portal.open_app()  # the app page opens on the leases
    expect(app.locator("#f-q")).to_be_visible()
    app.get_by_role("link", name="Оплаты").click()
    app.locator("#f-file").set_input_files(
        str(partly_paid(tmp_path, number, today, 'ООО "Василёк"', TENANT_INN))
    )
    app.get_by_role("button", name="Загрузить").click()
    expect(app.locator("#result-lines tbody tr").first).to_contain_text(
        "Счёт оплачен частично", timeout=SLOW
    )
    app.locator("#review-queue input[name=target]").fill(number)
    app.locator("#review-queue").get_by_role("button", name="Разнести").click()
    expect(app.get_by_text("Все платежи разнесены.")).to_be_visible(timeout=SLOW)
    snapshot(page, "bitrix24-walk-4-payments")
    assert Decimal(str(_deal(rentflow)["UF_CRM_RENTFLOW_DEBT"] or 0)) == 0

    app.get_by_role("link", name="Настройки", exact=True).click()
    app.get_by_role("button", name="Запустить сейчас").click()
    expect(app.locator("#run-queued")).to_be_visible(timeout=SLOW)

    page.reload()
    portal.act_as(ADMIN, "ru")
    card = portal.open_deal_tab()
    card.locator("#open-card").click()
    card.get_by_role("button", name="Акт подписан").click()
    expect(card.get_by_role("button", name="Акт подписан")).to_have_count(0, timeout=SLOW)
    card.get_by_role("button", name="Получен подписанный оригинал").click()
    expect(card.get_by_role("button", name="Получен подписанный оригинал")).to_have_count(0)
    snapshot(page, "bitrix24-walk-5-act-signed")

    app = portal.open_app()
    expect(app.locator("#f-q")).to_be_visible()
    app.get_by_role("link", name="Требует внимания").click()
    expect(app.get_by_text("Ничего не требует внимания.")).to_be_visible()
    snapshot(page, "bitrix24-walk-6-nothing-needs-attention")
