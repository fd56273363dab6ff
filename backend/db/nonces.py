"""One-time values spent once across every process: the ``used_nonces`` table's unique key
decides, so two workers replaying the same widget token cannot both pass."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.db.tables import UsedNonceRow


class NonceStore:
    """``claim`` records a value as spent; False when it already was."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def claim(self, kind: str, value: str, *, expires_at: datetime, now: datetime) -> bool:
        """Spend ``value`` of ``kind`` until ``expires_at`` (expired rows are purged first:
        their values are refused by their own expiry)."""
        with self._sessions() as session:
            session.execute(
                delete(UsedNonceRow).where(UsedNonceRow.kind == kind, UsedNonceRow.expires_at < now)
            )
            session.add(UsedNonceRow(kind=kind, value=value[:200], expires_at=expires_at))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
        return True
