"""The log of import runs of one portal (seed 002 «Лог»: status, what, message, dates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.tables import ImportRunRow


def _as_dict(row: ImportRunRow) -> dict[str, Any]:
    return {
        "id": row.id, "channel": row.channel, "source": row.source, "trigger": row.trigger,
        "status": row.status, "counts": dict(row.counts or {}),
        "warnings": list(row.warnings or []), "error": row.error,
        "started_at": row.started_at, "finished_at": row.finished_at,
    }  # fmt: skip


class ImportRunRepository:
    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def start(self, channel: str, source: str, trigger: str, at: datetime) -> int:
        row = ImportRunRow(
            portal_id=self.portal_id, channel=channel, source=source, trigger=trigger,
            started_at=at,
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def finish(
        self,
        run_id: int,
        at: datetime,
        *,
        status: str,
        counts: dict[str, int],
        warnings: list[str],
        error: str,
    ) -> None:
        row = self.session.get(ImportRunRow, run_id)
        if row is None or row.portal_id != self.portal_id:
            raise LookupError(f"import run {run_id}")
        row.status, row.counts, row.warnings, row.error = status, counts, warnings, error
        row.finished_at = at

    def recent(self, limit: int = 20, *, before: int | None = None) -> list[dict[str, Any]]:
        query = select(ImportRunRow).where(ImportRunRow.portal_id == self.portal_id)
        if before is not None:
            query = query.where(ImportRunRow.id < before)
        rows = self.session.scalars(query.order_by(ImportRunRow.id.desc()).limit(limit))
        return [_as_dict(row) for row in rows]

    def last_started(self, trigger: str) -> datetime | None:
        return self.session.scalar(
            select(ImportRunRow.started_at)
            .where(ImportRunRow.portal_id == self.portal_id, ImportRunRow.trigger == trigger)
            .order_by(ImportRunRow.started_at.desc())
            .limit(1)
        )
