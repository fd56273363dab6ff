"""Billing runs and their chunks, for resuming and reporting."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.tables import (
    BillingRunChunkRow,
    BillingRunRow,
)
from backend.domain.billing import RunTally
from backend.domain.errors import NotFound


class BillingRunRepository:
    """Billing run records: counts and errors, shown in the app."""

    def __init__(self, session: Session, portal_id: int | None) -> None:
        self.session = session
        self.portal_id = portal_id

    def start(self, run_on: date, at: datetime) -> int:
        row = BillingRunRow(portal_id=self.portal_id, run_on=run_on, started_at=at)
        self.session.add(row)
        self.session.flush()
        return row.id

    def finish(
        self,
        run_id: int,
        at: datetime,
        *,
        issued: int,
        sent: int,
        failed: int,
        errors: list[dict[str, Any]],
    ) -> None:
        row = self.session.get(BillingRunRow, run_id)
        if row is None:
            raise NotFound(f"billing run {run_id}")
        row.finished_at, row.issued, row.sent, row.failed = at, issued, sent, failed
        row.errors = errors
        row.status = "failed" if failed else "done"

    def chunk_done(
        self,
        run_id: int,
        chunk: int,
        total: int,
        at: datetime,
        *,
        issued: int,
        errors: list[dict[str, Any]],
    ) -> RunTally | None:
        """Record chunk ``chunk`` of ``total`` done (once, however often it is told). Returns
        the whole run's tally when every chunk is done and the run is not closed yet (the
        caller then runs the phases after issuing), else None. The run's row is locked, so two
        chunks ending together cannot both miss being last."""
        run = self.session.scalar(
            select(BillingRunRow).where(BillingRunRow.id == run_id).with_for_update()
        )
        if run is None:
            raise NotFound(f"billing run {run_id}")
        if self.session.get(BillingRunChunkRow, (run_id, chunk)) is None:
            self.session.add(
                BillingRunChunkRow(
                    run_id=run_id, chunk=chunk, total=total, issued=issued,
                    failed=len(errors), errors=errors, done_at=at,
                )
            )  # fmt: skip
            self.session.flush()
        chunks = list(
            self.session.scalars(
                select(BillingRunChunkRow).where(BillingRunChunkRow.run_id == run_id)
            )
        )
        if len(chunks) < total or run.status not in {"running", "interrupted"}:
            return None
        return RunTally(
            issued=sum(c.issued for c in chunks),
            errors=[e for c in sorted(chunks, key=lambda c: c.chunk) for e in c.errors],
        )

    def close_interrupted(self, started_before: datetime, at: datetime) -> int:
        """Close as "interrupted" the runs still "running" that started before
        ``started_before`` (their worker died); returns how many."""
        query = (
            update(BillingRunRow)
            .where(BillingRunRow.status == "running", BillingRunRow.started_at < started_before)
            .values(status="interrupted", finished_at=at)
            .execution_options(synchronize_session=False)
        )
        if self.portal_id is not None:
            query = query.where(BillingRunRow.portal_id == self.portal_id)
        return int(self.session.execute(query).rowcount)  # type: ignore[attr-defined]

    def recent(self, limit: int = 20) -> list[dict[str, Any]]:
        query = select(BillingRunRow).order_by(BillingRunRow.id.desc()).limit(limit)
        if self.portal_id is not None:
            query = query.where(BillingRunRow.portal_id == self.portal_id)
        return [
            {
                "id": r.id,
                "portal_id": r.portal_id,
                "run_on": r.run_on,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "status": r.status,
                "issued": r.issued,
                "sent": r.sent,
                "failed": r.failed,
                "errors": r.errors,
            }
            for r in self.session.scalars(query)
        ]
