"""Installing a portal through ``services.installation`` with Bitrix24's accounts port: the
install stores the portal and its tokens, an idle portal's tokens are refreshed at the OAuth
server before they end (once), the uninstall event stops the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.domain.portal import PortalStatus
from backend.services.installation import refresh_idle, uninstall
from crm_mappings.port import CrmAuthLost
from tests.security.bitrix24_world import World, world

__all__ = ["world"]  # the fixture


def test_an_idle_portal_s_tokens_are_refreshed_once_before_they_end(world: World) -> None:
    portal = world.installed()
    assert portal.id is not None
    store = world.container.token_store(portal.id)
    installed = store.load()
    ports = world.container.install_ports()
    window = timedelta(minutes=30)
    assert refresh_idle(ports, "bitrix24", window) == 0  # an hour left
    world.container.clock.set(installed.expires_at - timedelta(minutes=20))  # type: ignore[attr-defined]
    assert refresh_idle(ports, "bitrix24", window) == 1
    fresh = store.load()
    assert fresh.access_token != installed.access_token
    assert fresh.refresh_token != installed.refresh_token
    assert fresh.extra == installed.extra
    assert refresh_idle(ports, "bitrix24", window) == 0  # the new pair has its hour


def test_uninstall_stops_the_portal_and_forgets_its_tokens(world: World) -> None:
    portal = world.installed()
    stopped = uninstall(world.container.install_ports(), "bitrix24", portal.external_id)
    assert stopped is not None
    assert stopped.status is PortalStatus.UNINSTALLED
    with pytest.raises(CrmAuthLost):
        world.container.portal_tokens(portal).load()
    assert uninstall(world.container.install_ports(), "bitrix24", "no-such-member") is None
