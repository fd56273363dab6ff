"""Incoming events find their portal from a short cache that install and uninstall clear."""

from __future__ import annotations

import pytest

from backend.bootstrap import Container
from backend.domain.portal import PortalStatus
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
