"""The sandbox amoCRM account as a person uses it (sandbox/amocrm/templates/amocrm/): install
rentflow from the account, choose who is looking ("Act as") and the language, open the
widget's advanced settings page or a lead card, whose right column hosts the widget's panel.

``amo_rentflow`` serves rentflow with the sandbox amoCRM account mounted, as
``RENTFLOW_SANDBOX=1 rentflow serve`` does: no AMOCRM_BASE_URL, on whatever port is free."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from celery import _state as celery_state
from playwright.sync_api import expect

from backend.bootstrap import Container, bootstrap
from backend.config import SANDBOX_AMOCRM_PREFIX, Settings
from sandbox.amocrm.state import AmoAccount
from sandbox.amocrm.users import ADMIN_ID, MANAGER_ID
from sandbox.loopback import free_port, serve
from tests.browser.conftest import Rentflow

__all__ = [
    "ADMIN_ID", "MANAGER_ID", "AmoRentflow", "SandboxAmoAccount", "amo_rentflow",
    "assert_fits_across",
]  # fmt: skip
WIDGET_CODE = "rentflow"
SLOW = 30_000  # ms: a step that installs, renders a PDF or talks to the account several times


class AmoRentflow(Rentflow):
    """rentflow and its sandbox amoCRM account on one loopback port."""

    def __init__(self, rentflow: Rentflow, account: AmoAccount) -> None:
        super().__init__(rentflow.container, rentflow.url)
        self.account = account
        self.account_page = f"{rentflow.url}{SANDBOX_AMOCRM_PREFIX}"


@pytest.fixture
def amo_rentflow(settings: Settings, db_url: str) -> Iterator[AmoRentflow]:
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser suite runs once, on SQLite")
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend.web.app import create_app
    from sandbox.mount import sandbox_apps

    port = free_port()
    sandboxed = replace(settings, sandbox=True, public_base_url=f"http://127.0.0.1:{port}")
    assert not sandboxed.amocrm_base_url  # the account is found without it
    container = bootstrap(sandboxed)  # the real clock: disposable tokens carry real times
    container.task_sender = partial(_run_now, container)  # no worker: tasks run when queued
    app = create_app(container=container)
    (amo,) = [s for s in sandbox_apps(sandboxed) if s.name == "amocrm"]
    previous = celery_state.default_app
    _eager_celery(sandboxed)  # what a task queues with .delay() runs at once too
    try:
        with serve(DispatcherMiddleware(app, {amo.prefix: amo.app}), port=port) as url:
            yield AmoRentflow(Rentflow(container, url), amo.app.config["AMO_ACCOUNT"])
    finally:
        from jobs.runtime import set_container

        set_container(None)  # _run_now's: no later test of this process may find it
        celery_state.set_default_app(previous)
        container.dispose()


def _run_now(container: Container, name: str, *args: Any) -> None:
    """Run a queued task at once, in the thread that queued it, as a worker would run it."""
    from jobs import tasks
    from jobs.runtime import set_container

    set_container(container)
    getattr(tasks, name.rsplit(".", 1)[1])(*args)


def _eager_celery(settings: Settings) -> None:
    """The real Celery app as every thread's default, running tasks as they are sent."""
    from jobs.celery_app import make_celery

    app = make_celery(settings)
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    app.set_default()


class SandboxAmoAccount:
    def __init__(self, page: Any, rentflow: AmoRentflow) -> None:
        self.page = page
        self.url = rentflow.account_page
        self.account = rentflow.account

    def install(self) -> None:
        """Install rentflow from the account (amoMarket's way: the code to the redirect_uri)."""
        self.page.goto(f"{self.url}/")
        self.page.locator("#install button[type=submit]").click()
        expect(self.page.locator("#install h2")).to_have_text(
            re.compile("rentflow (установлен|installed)"), timeout=SLOW
        )

    def act_as(self, user_id: int, lang: str) -> None:
        """Who is looking, in which language (each choice reloads the page, as amoCRM's
        interface would be another user's)."""
        for select, value in (("#amo-user", str(user_id)), ("#amo-lang", lang)):
            # the account's script listens for the change once the page has loaded: a choice
            # made earlier (a busy machine) would change nothing and reload nothing
            self.page.wait_for_load_state("load")
            if self.page.locator(select).input_value() != value:
                with self.page.expect_navigation(timeout=SLOW):
                    self.page.select_option(select, value)

    def open_advanced_settings(self, *, by_menu: bool = True) -> Any:
        """The widget's advanced settings page, through Settings → Integrations as an
        administrator goes (or by its address: a manager has no Settings menu); returns its
        work area."""
        if by_menu:
            self.page.goto(f"{self.url}/")
            self.page.locator(".amo-nav a[href$='/settings/widgets/']").click()
            self.page.locator(f"#widget-{WIDGET_CODE} a").click()
        else:
            self.page.goto(f"{self.url}/settings/widgets/{WIDGET_CODE}/")
        return self.page.locator(f"#work-area-{WIDGET_CODE}")

    def open_menu_page(self, subitem: str) -> Any:
        """A subsection of rentflow's section in the account's left menu (location
        ``widget_page``), as any user opens it; returns the workspace in its work area."""
        self.page.goto(f"{self.url}/leads")
        menu = self.page.locator(f".amo-nav .amo-menu-section[data-code={WIDGET_CODE}]")
        with self.page.expect_navigation():
            menu.locator(f"a[data-code={subitem}]").click()
        expect(self.page.locator(f"#work-area-{WIDGET_CODE} .rentflow-advanced")).to_have_attribute(
            "data-state", "workspace", timeout=SLOW
        )
        return self.workspace()

    def workspace(self) -> Any:
        """The workspace inside the advanced settings page or a left-menu page."""
        return self.page.frame_locator(f"#work-area-{WIDGET_CODE} iframe.rentflow-frame")

    def add_lead(self, **fields: str) -> int:
        """A user adds a lead (name, company, inn, kpp, email, contact); its card opens."""
        self.page.goto(f"{self.url}/leads")
        for name, value in fields.items():
            self.page.locator(f"#new-lead input[name={name}]").fill(value)
        with self.page.expect_navigation():
            self.page.locator("#new-lead button[type=submit]").click()
        return int(self.page.url.rstrip("/").rsplit("/", 1)[1])

    def open_lead(self, lead_id: int) -> None:
        self.page.goto(f"{self.url}/leads/detail/{lead_id}")

    def panel(self) -> Any:
        """The widget's block in the lead card's right column."""
        return self.page.locator(f".card-widgets [data-code={WIDGET_CODE}]")

    def panel_frame(self) -> Any:
        return self.page.frame_locator(f".card-widgets [data-code={WIDGET_CODE}] iframe")


# What sticks out of a page wider than its frame: the elements whose right edge passes it.
_OVERFLOW = """() => {
  const root = document.documentElement, width = root.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
         (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''));
  return {scroll: root.scrollWidth, client: width, wide: wide.slice(0, 12)};
}"""


def assert_fits_across(frame: Any) -> None:
    """The page in ``frame`` is no wider than the frame: nothing cut off, no sideways scroll."""
    seen = frame.locator("html").evaluate(_OVERFLOW)
    assert seen["scroll"] <= seen["client"], seen


def snapshot(page: Any, name: str) -> None:
    """Save the whole account page as ``<name>.png`` when ``RENTFLOW_SCREENSHOTS`` names a dir."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)
