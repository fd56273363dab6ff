"""The bulk channels' adapters, built for an entry point (web, worker, CLI) from its container."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import IO

from backend.bootstrap import Container
from backend.bulk.avito_xml import render_avito
from backend.bulk.cian_xml import render_cian
from backend.bulk.sources import RemoteFiles
from backend.bulk.xml_records import read_records
from backend.services.cian_feed import feed_content, note_version
from backend.services.import_schedule import run_import
from backend.services.imports import ImportReport, Located

IMPORT_MAX_BYTES = 200 * 1024 * 1024  # bigger import files are refused (XML and Excel)


def xml_reader(max_bytes: int = IMPORT_MAX_BYTES) -> partial[Iterator[Located]]:
    return partial(read_records, max_bytes=max_bytes)


def run_portal_import(container: Container, portal_id: int, trigger: str) -> list[ImportReport]:
    """Fetch and import the portal's configured XML files now (scheduled or "run now")."""
    with container.uow(portal_id) as uow:
        return run_import(
            uow, container.clock, reader=RemoteFiles(
                IMPORT_MAX_BYTES, allow_private=container.settings.sandbox
            ),
            read_records=xml_reader(), trigger=trigger,
        )  # fmt: skip


def read_xml(stream: IO[bytes]) -> Iterator[Located]:
    return read_records(stream, max_bytes=IMPORT_MAX_BYTES)


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str
    changed_at: datetime
    skipped: list[str]
    lots: int


RENDERERS = {"cian": render_cian, "avito": render_avito}


def cian_feed(container: Container, portal_id: int, site: str = "cian") -> RenderedFeed:
    """The portal's feed for ``site`` (cian, avito) now, with its version (ETag) and when it
    last changed. Both sites get the same lots (the CIAN feed settings)."""
    with container.uow(portal_id) as uow:
        content = feed_content(uow)
        body, skipped = RENDERERS[site](content)
        etag = hashlib.sha256(body).hexdigest()[:32]
        changed_at = note_version(uow, container.clock, etag, site)
    return RenderedFeed(body, etag, changed_at, skipped, len(content.lots) - len(skipped))
