"""rentflow's static files (stylesheets, scripts, fonts) for the pages shown inside the CRMs,
served so that a browser keeps them.

A CRM frame is a fresh page at every click: without caching, every click fetched the
stylesheets, the fonts and the 440 KB Bitrix24 JS SDK again (seven requests a page). Pages
name a file with ``?v=<its content's hash>`` (``content_version``), so a versioned URL names one
content forever and is kept for a year; a new release changes the hash, hence the URL. The
vendored files (pinned third-party stylesheet, fonts and SDK, which a stylesheet may name
without a version) are kept a day; anything else is revalidated each time.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from flask import Blueprint, request

STATIC_DIR = Path(str(files("backend.web").joinpath("static")))
YEAR = 365 * 24 * 3600
DAY = 24 * 3600


class StaticBlueprint(Blueprint):
    """A blueprint whose static files carry the cache lifetimes above."""

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        if request.args.get("v"):
            return YEAR
        if filename is not None and filename.startswith("vendor/"):
            return DAY
        return None  # no-cache: revalidated (ETag) on every use


@lru_cache(maxsize=64)
def content_version(name: str) -> str:
    """A short hash of the static file ``name`` as this process serves it."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
