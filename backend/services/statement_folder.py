"""The watched folder: statements dropped in ``<folder>/<portal id>/`` are imported.

Each file is first claimed (renamed into ``processing/``), imported in its own transaction,
then moved to ``done/`` with its JSON summary beside it, or to ``failed/`` with the reason.
A file left in ``processing/`` by a crash can be put back: imports are idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from backend.domain.errors import DomainError, stored_id
from backend.domain.portal import Portal
from backend.onec.bank_statement import StatementError
from backend.ports import Clock
from backend.services.lease_events import EventQueue
from backend.services.payment_news import NewsQueue
from backend.services.payments import ImportSummary, import_statement
from backend.services.unit_of_work import UnitOfWorkFactory

SUFFIXES = frozenset({".txt", ".1c", ".dat"})


@dataclass(frozen=True)
class FolderResult:
    """One file of the folder: its summary, or why it failed."""

    path: Path
    portal_id: int
    summary: ImportSummary | None = None
    error: str = ""


def import_folder(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    folder: Path,
    queue: EventQueue | None = None,
    news_queue: NewsQueue | None = None,
) -> list[FolderResult]:
    """Import every statement waiting in the folder, oldest file first; the deal moves of
    paid invoices are queued through ``queue``, the deals' debt and notes ``news_queue``."""
    results: list[FolderResult] = []
    with uow_factory(None) as uow:
        portals = {p.id: p for p in uow.portals.list() if p.id is not None}
    for portal_id, portal in sorted(portals.items()):
        inbox = folder / str(portal_id)
        if not inbox.is_dir():
            continue
        files = sorted(
            (f for f in inbox.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES),
            key=lambda f: (f.stat().st_mtime, f.name),
        )
        for path in files:
            results.append(_import_one(uow_factory, clock, path, portal, (queue, news_queue)))
    return results


def _import_one(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    path: Path,
    portal: Portal,
    queues: tuple[EventQueue | None, NewsQueue | None],
) -> FolderResult:
    portal_id = stored_id(portal.id, "portal")  # listed portals are stored ones
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    try:
        # claim the file: a rename is atomic, so two workers never import the same file
        claimed = _move(path, path.parent / "processing", stamp)
    except FileNotFoundError:
        return FolderResult(path, portal_id, error="taken by another worker")
    try:
        with uow_factory(portal_id) as uow, claimed.open("rb") as stream:
            summary = import_statement(uow, clock, stream, queue=queues[0], news_queue=queues[1])
            uow.commit()
    except (StatementError, DomainError) as exc:
        target = _move(claimed, path.parent / "failed", "")
        target.with_name(target.name + ".error.txt").write_text(str(exc), encoding="utf-8")
        return FolderResult(path, portal_id, error=str(exc))
    target = _move(claimed, path.parent / "done", "")
    text = json.dumps(summary.as_dict(), ensure_ascii=False, indent=2)
    target.with_name(target.name + ".json").write_text(text, encoding="utf-8")
    return FolderResult(path, portal_id, summary=summary)


def _move(path: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / (f"{stamp}-{path.name}" if stamp else path.name)
    path.replace(target)
    return target
