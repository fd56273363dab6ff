"""Database-backed ``crm_mappings.tokens.TokenStore``: encrypted, with a cross-process lock.

The refresh lock bumps ``portals.lock_version`` in its own transaction: on PostgreSQL that
UPDATE holds the row lock, on SQLite (BEGIN IMMEDIATE) the write lock, until the transaction
ends — so one refresh at a time per portal, across threads and processes. ``save`` inside the
lock writes through the same transaction and commits at once: the new pair is durable before
anyone uses it (amoCRM refresh tokens are single-use).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from backend.db.crypto import TokenCipher
from backend.db.tables import PortalRow
from backend.domain.portal import PortalStatus
from crm_mappings.port import CrmAuthLost
from crm_mappings.tokens import OAuthTokens

UNINSTALLED = PortalStatus.UNINSTALLED.value


class DbTokenStore:
    def __init__(
        self, session_factory: sessionmaker[Session], portal_id: int, cipher: TokenCipher
    ) -> None:
        self._sessions = session_factory
        self.portal_id = portal_id
        self._cipher = cipher
        self._local = threading.local()

    def _locked_session(self) -> Session | None:
        return getattr(self._local, "session", None)

    def load(self) -> OAuthTokens:
        session = self._locked_session()
        if session is not None:
            return self._read(session)
        with self._sessions() as fresh:
            return self._read(fresh)

    def _read(self, session: Session) -> OAuthTokens:
        row = session.get(PortalRow, self.portal_id, populate_existing=True)
        if row is None or not row.auth_encrypted:
            raise CrmAuthLost(f"portal {self.portal_id} has no stored tokens")
        if row.status != "active":
            raise CrmAuthLost(f"portal {self.portal_id} is {row.status}: {row.status_reason}")
        data = self._cipher.decrypt(row.auth_encrypted)
        return OAuthTokens(
            access_token=data["access_token"],
            refresh_token=data["refresh_token"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            extra=dict(data.get("extra", {})),
        )

    def save(self, tokens: OAuthTokens) -> None:
        payload = self._cipher.encrypt(
            {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at": tokens.expires_at.isoformat(),
                "extra": dict(tokens.extra),
            }
        )
        session = self._locked_session()
        if session is not None:
            self._write(session, payload)
            session.commit()  # durable now; this also ends the lock, which is no longer needed
            return
        with self._sessions() as fresh:
            self._write(fresh, payload)
            fresh.commit()

    def _write(self, session: Session, payload: str) -> None:
        # conditional in the UPDATE itself: a refresh that ends after the portal was
        # uninstalled (its tokens forgotten) must not bring them back
        session.execute(
            update(PortalRow)
            .where(PortalRow.id == self.portal_id, PortalRow.status != UNINSTALLED)
            .values(auth_encrypted=payload)
        )

    def refresh_lock(self) -> AbstractContextManager[object]:
        return self._hold()

    @contextmanager
    def _hold(self) -> Iterator[None]:
        with self._sessions() as session:
            session.execute(
                update(PortalRow)
                .where(PortalRow.id == self.portal_id)
                .values(lock_version=PortalRow.lock_version + 1)
            )
            self._local.session = session
            try:
                yield
                session.commit()
            finally:
                self._local.session = None
                session.rollback()

    def mark_auth_lost(self, reason: str) -> None:
        session = self._locked_session()
        own = session is None
        session = session or self._sessions()
        try:
            session.execute(
                update(PortalRow)
                .where(PortalRow.id == self.portal_id)
                .values(status="auth_lost", status_reason=reason[:1000])
            )
            session.commit()
        finally:
            if own:
                session.close()
