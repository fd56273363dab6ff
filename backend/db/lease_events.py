"""Pending deal moves of one portal (``crm_lease_events``): recorded with the event, marked
when the CRM has been told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.batching import in_chunks
from backend.db.tables import LeaseEventRow


class LeaseEventRepository:
    """One row per (document, event): an event recorded twice is still one deal move."""

    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def add_many(self, document_ids: Sequence[int], event: str, now: datetime) -> list[int]:
        """Record that ``event`` happened to the documents, in one statement; returns those
        newly recorded (a document already recorded for it is left out)."""
        wanted = list(dict.fromkeys(document_ids))
        if not wanted:
            return []
        known: set[int] = set()
        for chunk in in_chunks(wanted):
            known.update(
                self.session.scalars(
                    select(LeaseEventRow.document_id).where(
                        LeaseEventRow.document_id.in_(chunk),
                        LeaseEventRow.event == event,
                    )
                )
            )
        fresh = [d for d in wanted if d not in known]
        rows = [{"portal_id": self.portal_id, "document_id": d, "event": event,
                 "created_at": now, "error": ""} for d in fresh]  # fmt: skip
        if not rows:
            return []
        try:
            with self.session.begin_nested():  # a concurrent writer may have just added one
                self.session.execute(insert(LeaseEventRow), rows)
        except IntegrityError:
            return [d for d in fresh if self.add_many([d], event, now)]
        return fresh

    def mark(self, document_id: int, event: str, at: datetime, error: str = "") -> None:
        """The deal was told (or refused for good, with ``error``): the sweep leaves it."""
        self.session.execute(
            update(LeaseEventRow)
            .where(
                LeaseEventRow.portal_id == self.portal_id,
                LeaseEventRow.document_id == document_id,
                LeaseEventRow.event == event,
            )
            .values(pushed_at=at, error=error[:500])
        )

    def forget(self, document_id: int, event: str) -> bool:
        """The event no longer holds (a payment taken back): its move is dropped, pushed or
        not, so that it happening again is recorded and pushed afresh. Whether one was
        recorded."""
        result = self.session.execute(
            delete(LeaseEventRow).where(
                LeaseEventRow.portal_id == self.portal_id,
                LeaseEventRow.document_id == document_id,
                LeaseEventRow.event == event,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def pending(self, created_before: datetime) -> list[tuple[int, str]]:
        """(document id, event) of moves not pushed yet, recorded before ``created_before``."""
        rows = self.session.execute(
            select(LeaseEventRow.document_id, LeaseEventRow.event)
            .where(
                LeaseEventRow.portal_id == self.portal_id,
                LeaseEventRow.pushed_at.is_(None),
                LeaseEventRow.created_at < created_before,
            )
            .order_by(LeaseEventRow.id)
        )
        return [(document_id, event) for document_id, event in rows]

    def state(self, document_id: int, event: str) -> tuple[datetime | None, str] | None:
        """(pushed at, error) of a recorded move, None when it was never recorded."""
        row = self.session.execute(
            select(LeaseEventRow.pushed_at, LeaseEventRow.error).where(
                LeaseEventRow.portal_id == self.portal_id,
                LeaseEventRow.document_id == document_id,
                LeaseEventRow.event == event,
            )
        ).first()
        return None if row is None else (row[0], row[1])
