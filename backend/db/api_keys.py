"""Public API keys (stored as SHA-256 only) and the answers kept for idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.db.tables import ApiKeyRow, IdempotencyKeyRow


class ApiKeyRepository:
    """Not portal-scoped for lookups: a request's key is how it finds its portal."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, portal_id: int, key_hash: str, name: str, scopes: list[str], at: datetime) -> int:
        row = ApiKeyRow(
            portal_id=portal_id, key_hash=key_hash, name=name, scopes=scopes, created_at=at
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def find(self, key_hash: str) -> tuple[int, int, list[str]] | None:
        """(key id, portal id, scopes) of a key that is not revoked."""
        row = self.session.scalar(
            select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None))
        )
        return None if row is None else (row.id, row.portal_id, list(row.scopes))

    def revoke(self, portal_id: int, key_id: int, at: datetime) -> bool:
        result = self.session.execute(
            update(ApiKeyRow)
            .where(
                ApiKeyRow.id == key_id,
                ApiKeyRow.portal_id == portal_id,
                ApiKeyRow.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        return bool(getattr(result, "rowcount", 0))

    def list(self, portal_id: int) -> list[dict[str, Any]]:
        rows = self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.portal_id == portal_id).order_by(ApiKeyRow.id)
        )
        return [
            {"id": r.id, "name": r.name, "scopes": list(r.scopes), "created_at": r.created_at,
             "revoked_at": r.revoked_at}
            for r in rows
        ]  # fmt: skip

    # --- idempotency ---
    def answer(self, portal_id: int, key: str) -> tuple[str, int, dict[str, Any]] | None:
        row = self.session.scalar(
            select(IdempotencyKeyRow).where(
                IdempotencyKeyRow.portal_id == portal_id, IdempotencyKeyRow.key == key
            )
        )
        return None if row is None else (row.fingerprint, row.status_code, dict(row.body))

    def remember(
        self,
        portal_id: int,
        key: str,
        fingerprint: str,
        status_code: int,
        body: dict[str, Any],
        at: datetime,
    ) -> bool:
        """Keep the answer; False when a concurrent request with the same key came first."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    IdempotencyKeyRow(
                        portal_id=portal_id,
                        key=key,
                        fingerprint=fingerprint,
                        status_code=status_code,
                        body=body,
                        created_at=at,
                    )
                )
        except IntegrityError:
            return False
        return True
