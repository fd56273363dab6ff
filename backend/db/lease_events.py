"""Pending deal moves of one portal (``crm_lease_events``): recorded with the event, marked
when the CRM has been told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.tables import LeaseEventRow


class LeaseEventRepository:
    """One row per (document, event): an event recorded twice is still one deal move."""

    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def add(self, document_id: int, event: str, now: datetime) -> bool:
        """Record that ``event`` happened to the document; False when it already was."""
        known = self.session.scalar(
            select(LeaseEventRow.id).where(
                LeaseEventRow.document_id == document_id, LeaseEventRow.event == event
            )
        )
        if known is not None:
            return False
        row = LeaseEventRow(
            portal_id=self.portal_id, document_id=document_id, event=event, created_at=now
        )
        try:
            with self.session.begin_nested():  # a concurrent writer may have just added it
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            return False
        return True

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
