"""The sandbox Bitrix24 portal page as a person uses it (sandbox/bitrix24/templates/portal.html):
install the app, choose who is looking and in which language, open the app page or a deal's
tab in the portal's frame."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

ADMIN, MANAGER = 1, 7  # the emulator's user.admin answers true for user 1 only


class SandboxPortal:
    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url

    def install(self) -> None:
        self.page.goto(self.url)
        self.page.get_by_role("button", name="Install rentflow").click()
        self.page.get_by_text("app installed").wait_for()

    def act_as(self, user_id: int, lang: str) -> None:
        self.page.select_option("#user", str(user_id))
        self.page.select_option("#lang", lang)

    def open_app(self) -> Any:
        return self._open("Open the app page (settings)")

    def add_deal(self) -> None:
        self.page.get_by_role("button", name="New deal").click()
        self.page.get_by_role("button", name="Lease tab").first.wait_for()

    def open_deal_tab(self) -> Any:
        return self._open("Lease tab")

    def _open(self, button: str) -> Any:
        """Press ``button`` and wait for the page it opens: the frame is emptied first, so a
        test never acts on the page the frame showed before (a click there would go on with
        the previous person's token)."""
        shown = self.page.locator("#frame").element_handle().content_frame()
        if shown is not None:  # let its page finish loading: an aborted download of a script
            shown.wait_for_load_state("load")  # leaves the test server a half-sent file
        self.page.evaluate("document.getElementById('frame').srcdoc = '<p id=opening></p>'")
        frame = self.page.frame_locator("#frame")
        expect(frame.locator("#opening")).to_have_count(1)
        self.page.get_by_role("button", name=button).first.click()
        expect(frame.locator("#opening")).to_have_count(0, timeout=30_000)
        return frame


def follow(app: Any, target: Any) -> None:
    """Click ``target`` (a link or a submit button in the frame ``app``) and wait until the
    frame shows the page it leads to. Without this a test may act on the page being left: a
    tab that leads to the page already shown, or a form whose field the inline check has
    already marked, looks the same before and after the click."""
    app.locator("body").evaluate("body => { body.dataset.left = 'yes' }")
    target.click()
    expect(app.locator("body[data-left]")).to_have_count(0)


def snapshot(page: Any, name: str) -> None:
    """Save the rentflow frame as ``<name>.png`` when ``RENTFLOW_SCREENSHOTS`` names a dir."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.locator("#frame").screenshot(path=str(Path(target) / f"{name}.png"))
