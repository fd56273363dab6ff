"""Encrypted tokens and the per-portal refresh lock, across threads, on both databases."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.bootstrap import Container
from backend.db.tables import PortalRow
from backend.services.portals import install_portal
from crm_mappings.port import CrmAuthLost
from crm_mappings.tokens import OAuthTokens

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def _portal(container: Container) -> int:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="31337")
        uow.commit()
    assert portal.id is not None
    return portal.id


def test_tokens_are_stored_encrypted_and_read_back(container: Container) -> None:
    store = container.token_store(_portal(container))
    expires = datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    store.save(OAuthTokens("access-1", "refresh-1", expires, {"domain": "x.amocrm.ru"}))
    assert store.load() == OAuthTokens("access-1", "refresh-1", expires, {"domain": "x.amocrm.ru"})
    with container.uow.session_factory() as session:
        raw = session.scalar(select(PortalRow.auth_encrypted))
    assert raw is not None
    assert "refresh-1" not in raw


def test_concurrent_refreshes_run_one_at_a_time_and_see_each_others_pair(
    container: Container,
) -> None:
    """Each refresher re-reads inside the lock; with single-use tokens only one may spend one."""
    store = container.token_store(_portal(container))
    store.save(OAuthTokens("a0", "r0", datetime.now(UTC) - timedelta(minutes=1)))
    spent: list[str] = []
    inside = 0
    overlap = False
    lock = threading.Lock()

    def refresh() -> None:
        nonlocal inside, overlap
        with store.refresh_lock():
            with lock:
                inside += 1
                overlap = overlap or inside > 1
            current = store.load()
            if current.expires_soon():
                spent.append(current.refresh_token)
                time.sleep(0.05)
                n = len(spent)
                with lock:
                    inside -= 1
                store.save(OAuthTokens(f"a{n}", f"r{n}", datetime.now(UTC) + timedelta(hours=1)))
                return
            with lock:
                inside -= 1

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not overlap
    assert spent == ["r0"]  # the others found a fresh pair and did not refresh again
    assert store.load().refresh_token == "r1"


def test_a_lost_refresh_marks_the_portal(container: Container) -> None:
    portal_id = _portal(container)
    store = container.token_store(portal_id)
    store.save(OAuthTokens("a", "r", datetime.now(UTC)))
    store.mark_auth_lost("invalid_grant: refresh token expired")
    with pytest.raises(CrmAuthLost, match="auth_lost"):
        store.load()
    with container.uow() as uow:
        assert uow.portals.get(portal_id).status.value == "auth_lost"
