"""The audit trail of one portal (or of the installation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from backend.db.tables import (
    AuditRow,
)


class AuditRepository:
    """Append-only log of changes.

    Entries are kept until the unit of work commits (``write``) or reads them, then inserted
    in one statement: ORM objects would cost an INSERT each (SQLite gives no ordered
    RETURNING for a batch), and the billing run records one or two per document."""

    def __init__(self, session: Session, portal_id: int | None) -> None:
        self.session = session
        self.portal_id = portal_id
        self._pending: list[dict[str, Any]] = []

    def write(self) -> None:
        """Insert the entries recorded so far (the unit of work calls it before committing)."""
        pending, self._pending = self._pending, []
        if pending:
            self.session.execute(insert(AuditRow), pending)

    def discard(self) -> None:
        """Forget the entries recorded so far (the transaction rolled back)."""
        self._pending = []

    def record(
        self,
        at: datetime,
        action: str,
        entity: str,
        entity_id: object = "",
        details: dict[str, Any] | None = None,
        actor: str = "system",
    ) -> None:
        self._pending.append(
            {
                "portal_id": self.portal_id,
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "details": details or {},
            }
        )

    def entries(self, entity: str | None = None, entity_id: object = None) -> list[dict[str, Any]]:
        self.write()
        query = select(AuditRow).order_by(AuditRow.id)
        if self.portal_id is not None:
            query = query.where(AuditRow.portal_id == self.portal_id)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if entity_id is not None:
            query = query.where(AuditRow.entity_id == str(entity_id))
        return [
            {
                "at": r.at,
                "actor": r.actor,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "details": r.details,
            }
            for r in self.session.scalars(query)
        ]
