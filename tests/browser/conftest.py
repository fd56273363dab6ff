"""The browser suite: rentflow with the sandbox mounted (as ``RENTFLOW_SANDBOX=1 rentflow
serve`` runs it) on a loopback port, driven by Playwright through Debian's chromium.

No ``playwright install``: it would download a browser. The tests use Debian's
``/usr/bin/chromium-headless-shell`` (``make system-test`` installs it; ``/usr/bin/chromium``
where only that is installed, ``RENTFLOW_CHROMIUM`` to name another) and are skipped, saying
so, where neither is. Every request the page makes to a host other than 127.0.0.1 is
aborted, so nothing leaves the machine. A failing test leaves a screenshot of the page in
``$TMPDIR/rentflow-browser/`` (``RENTFLOW_FAILURE_SHOTS`` names another folder;
``scripts/test-services.sh`` keeps it outside the run's own temporary folder); with
``RENTFLOW_SCREENSHOTS=<dir>`` the tests also save the pages they look at there.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.services.outbox import deliver_due
from sandbox.loopback import free_port, serve
from sandbox.smtp_sink import Sink
from tests.browser.cabinet_browser import smtp_for

FAILURES = Path(
    os.environ.get("RENTFLOW_FAILURE_SHOTS") or Path(tempfile.gettempdir()) / "rentflow-browser"
)
VIEWPORT = {"width": 1280, "height": 1000}

pytestmark = pytest.mark.browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_FAILED] = report.failed


_FAILED = pytest.StashKey[bool]()


class Rentflow:
    """rentflow and its sandbox portal on one loopback port."""

    def __init__(self, container: Container, url: str) -> None:
        self.container = container
        self.url = url
        self.portal_page = f"{url}/sandbox/bitrix24/_portal/"


@pytest.fixture
def rentflow(settings: Settings, db_url: str) -> Iterator[Rentflow]:
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser suite runs once, on SQLite")
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend.web.app import create_app
    from sandbox.mount import sandbox_apps

    port = free_port()
    sandboxed = replace(settings, sandbox=True, public_base_url=f"http://127.0.0.1:{port}")
    container = bootstrap(sandboxed)  # the real clock: the sandbox portal stamps events with it
    app = create_app(container=container)
    container.task_sender = lambda name, *args: None  # no worker in this suite
    mounts = {s.prefix: s.app for s in sandbox_apps(sandboxed) if s.name == "bitrix24"}
    try:
        with serve(DispatcherMiddleware(app, mounts), port=port) as url:
            yield Rentflow(container, url)
    finally:
        container.dispose()


@pytest.fixture
def mail(rentflow: Rentflow) -> Iterator[Sink]:
    """A real SMTP server; the app's "deliver the outbox" task sends to it at once."""
    container = rentflow.container
    with smtp_for(container) as sink:

        def send_task(name: str, *args: Any) -> None:
            if name == "jobs.tasks.deliver_outbox":
                deliver_due(
                    container.uow, container.clock, container.mailer(),
                    container.document_storage(),
                )  # fmt: skip

        container.task_sender = send_task
        yield sink


# Every URL but the loopback's. Playwright hands a route's regex to the browser, so only the
# requests it matches stop on their way for Python to abort them; routing "**/*" through a
# Python handler that let the loopback's through cost every request a round trip (~40 ms of
# a walk's each page load: 11 of a lease walk's 26 s).
NOT_LOOPBACK = re.compile(r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?:[:/?#]|$))")


def _abort(route: Any) -> None:
    route.abort()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.route(NOT_LOOPBACK, _abort)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # assertions wait as long as actions do: a form whose answer waits on the sandbox CRM
    # took over expect's own 5 s on a machine loaded ~15x its cores
    expect.set_options(timeout=10_000)
    yield page
    if request.node.stash.get(_FAILED, False):
        FAILURES.mkdir(parents=True, exist_ok=True)
        shot = FAILURES / f"{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
    context.close()


# A page the test moves on from may still be downloading a static file (a vendored script)
# from the loopback werkzeug server; the browser drops the connection and werkzeug leaves that
# file for the garbage collector, whose "unclosed file" would fail the test it lands in. It is
# the test server's, not rentflow's (production serves through waitress), so only that warning
# is let through, and only in the browser suite.
_DROPPED_DOWNLOAD = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/static/:"
    "pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(_DROPPED_DOWNLOAD)
