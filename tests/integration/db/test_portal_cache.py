"""Incoming events find their portal from a short cache that install and uninstall clear."""

from __future__ import annotations

import threading
import time

import pytest

from backend.bootstrap import Container
from backend.db.portal_cache import PortalCache
from backend.domain.portal import Portal, PortalStatus
from backend.ports import FixedClock
from backend.services.portals import install_portal, lookup_portal, uninstall_portal

pytestmark = pytest.mark.both_databases  # the database's behaviour is the point


def test_an_uninstall_is_seen_by_the_next_lookup_at_once(
    container: Container, clock: FixedClock
) -> None:
    with container.uow(None) as uow:
        portal = install_portal(uow, clock, kind="amocrm", external_id="3001")
        uow.commit()
    found = lookup_portal(container.uow, "amocrm", "3001")
    assert found is not None
    assert found.status is PortalStatus.ACTIVE
    assert portal.id is not None
    with container.uow(None) as uow:
        uninstall_portal(uow, clock, portal.id)
        uow.commit()
    found = lookup_portal(container.uow, "amocrm", "3001")
    assert found is not None
    assert found.status is PortalStatus.UNINSTALLED


def test_a_portal_installed_after_a_miss_is_found_at_once(
    container: Container, clock: FixedClock
) -> None:
    assert lookup_portal(container.uow, "amocrm", "3002") is None
    with container.uow(None) as uow:
        install_portal(uow, clock, kind="amocrm", external_id="3002")
        uow.commit()
    assert lookup_portal(container.uow, "amocrm", "3002") is not None


def test_a_repeated_lookup_does_not_read_the_database(
    container: Container, clock: FixedClock
) -> None:
    with container.uow(None) as uow:
        install_portal(uow, clock, kind="amocrm", external_id="3003")
        uow.commit()
    assert lookup_portal(container.uow, "amocrm", "3003") is not None
    container.engine.dispose()
    container.uow.session_factory.configure(bind=None)  # any database read would now fail
    assert lookup_portal(container.uow, "amocrm", "3003") is not None


def _portal(external_id: str, status: PortalStatus = PortalStatus.ACTIVE) -> Portal:
    return Portal(id=1, kind="amocrm", external_id=external_id, status=status)


def test_threads_missing_together_read_the_portal_once() -> None:
    cache, now = PortalCache(clock=lambda: 0.0), threading.Event()
    reads: list[int] = []

    def load() -> Portal:
        reads.append(1)
        now.wait(5)  # the other threads arrive while this one reads
        return _portal("3004")

    found: list[Portal | None] = []
    threads = [
        threading.Thread(target=lambda: found.append(cache.get("amocrm", "3004", load)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    now.set()
    for thread in threads:
        thread.join(10)
    assert len(reads) == 1
    assert [p.external_id if p else None for p in found] == ["3004"] * 8


def test_an_expired_portal_is_read_by_one_thread_while_the_others_go_on() -> None:
    clock = [0.0]
    cache = PortalCache(ttl=5, clock=lambda: clock[0])
    cache.get("amocrm", "3005", lambda: _portal("3005"))
    clock[0] = 6.0
    reading, release = threading.Event(), threading.Event()

    def slow_load() -> Portal:
        reading.set()
        release.wait(5)
        return _portal("3005", PortalStatus.UNINSTALLED)

    refresher = threading.Thread(target=lambda: cache.get("amocrm", "3005", slow_load))
    refresher.start()
    assert reading.wait(5)
    # meanwhile: the entry of a moment ago, without reading the database
    other = cache.get("amocrm", "3005", lambda: pytest.fail("read twice"))
    assert other is not None
    assert other.status is PortalStatus.ACTIVE
    release.set()
    refresher.join(5)
    fresh = cache.get("amocrm", "3005", lambda: pytest.fail("read again"))
    assert fresh is not None
    assert fresh.status is PortalStatus.UNINSTALLED


def test_what_was_read_before_a_clear_is_not_kept() -> None:
    cache = PortalCache(clock=lambda: 0.0)

    def load_then_uninstalled() -> Portal:
        cache.clear()  # an uninstall commits while this read was on its way
        return _portal("3006")

    cache.get("amocrm", "3006", load_then_uninstalled)
    after = cache.get("amocrm", "3006", lambda: _portal("3006", PortalStatus.UNINSTALLED))
    assert after is not None
    assert after.status is PortalStatus.UNINSTALLED
