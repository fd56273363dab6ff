"""The browser suite's page reaches the loopback and nothing else: a request to any other host,
or to one that only starts like the loopback's, is aborted before it leaves the machine."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from playwright.sync_api import Error

from sandbox.loopback import serve

OTHER_HOSTS = [
    "http://example.com/",
    "https://example.com/",
    "http://127.0.0.1.example.com/",
    "http://localhost.example.com/",
    "http://localhost@example.com/",
    "http://10.0.0.1/",
]


def _page(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>loopback</title><p>here</p>"]


def test_the_loopback_is_reached(page: Any) -> None:
    with serve(_page) as url:
        page.goto(f"{url}/")
        assert page.title() == "loopback"
        page.goto(url.replace("127.0.0.1", "localhost") + "/?q=1")
        assert page.title() == "loopback"


@pytest.mark.parametrize("url", OTHER_HOSTS)
def test_any_other_host_is_aborted(page: Any, url: str) -> None:
    with pytest.raises(Error, match="net::ERR_FAILED"):
        page.goto(url)
