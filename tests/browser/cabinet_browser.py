"""What the tenant cabinet's browser tests share: a real SMTP server the app's outbox sends
the sign-in mail to, the code read from the mail that arrived there (as a tenant reads it),
and the screenshots of the pages they look at."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from backend.bootstrap import Container
from sandbox.smtp_sink import Sink, smtp_sink


@contextmanager
def smtp_for(container: Container) -> Iterator[Sink]:
    """A real SMTP server on loopback; ``container``'s mail goes to it while the block runs."""
    with smtp_sink() as (sink, port):
        container.settings = replace(container.settings, smtp_url=f"smtp://127.0.0.1:{port}")
        yield sink


def mailed_code(sink: Sink, email: str) -> str:
    """The 6-digit code of the last mail that reached ``sink``, which must be to ``email``."""
    message = sink.messages[-1]
    assert message["To"] == email
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found
    return found.group(1)


def shot(page: Any, name: str) -> None:
    """Save the page as ``cabinet-<name>.png`` when ``RENTFLOW_SCREENSHOTS`` names a folder."""
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"cabinet-{name}.png"), full_page=True)
