"""The sandbox Bitrix24 portal page as a person uses it (sandbox/bitrix24/templates/portal.html):
install the app, choose who is looking and in which language, open the app page or a deal's
tab in the portal's frame."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
        self.page.get_by_role("button", name="Open the app page (settings)").click()
        return self.page.frame_locator("#frame")

    def add_deal(self) -> None:
        self.page.get_by_role("button", name="New deal").click()
        self.page.get_by_role("button", name="Lease tab").first.wait_for()

    def open_deal_tab(self) -> Any:
        self.page.get_by_role("button", name="Lease tab").first.click()
        return self.page.frame_locator("#frame")


def snapshot(page: Any, name: str) -> None:
    """Save the rentflow frame as ``<name>.png`` when ``RENTFLOW_SCREENSHOTS`` names a dir."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.locator("#frame").screenshot(path=str(Path(target) / f"{name}.png"))
