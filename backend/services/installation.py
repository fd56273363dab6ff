"""Installing and uninstalling a portal, and keeping its tokens and subscriptions alive, for
every CRM kind.

What differs by CRM sits behind a small port per kind (``crm_mappings.accounts.CrmAccounts``),
implemented beside its adapter (``amocrm.lifecycle``, ``bitrix24.accounts``): talking the
CRM into an install (a code exchange, custom fields, a webhook), releasing what it set up,
refreshing tokens nobody used lately. What is the same is here, once: the portal row and its
audit (``portals``), the stored token pair, the admin's notice when a refresh is refused
(``auth_lost``). Checks of who is calling (a Bitrix24 event's application token, amoCRM's
signed disable hook) stay at the HTTP edge, before these are called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from backend.domain.errors import stored_id
from backend.domain.portal import Portal
from backend.ports import Clock
from backend.services.auth_lost import notify_auth_lost
from backend.services.portals import install_portal, uninstall_portal
from backend.services.unit_of_work import UnitOfWorkFactory
from crm_mappings.accounts import Connection, CrmAccounts
from crm_mappings.port import CrmAuthLost, CrmError
from crm_mappings.tokens import OAuthTokens, TokenStore

log = logging.getLogger(__name__)
IDLE_REFRESH_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class InstallPorts:
    """What the installation use cases need: the store, the clock, each portal's token store
    and the CRM kinds' accounts ports."""

    uow: UnitOfWorkFactory
    clock: Clock
    tokens: Callable[[int], TokenStore]
    accounts: Mapping[str, CrmAccounts]


def install(ports: InstallPorts, connection: Connection) -> Portal:
    """Store the portal (a re-install brings it back to active and merges its settings), then
    its tokens, encrypted."""
    with ports.uow(None) as uow:
        portal = install_portal(
            uow,
            ports.clock,
            kind=connection.kind,
            external_id=connection.external_id,
            domain=connection.domain,
            settings=connection.settings,
        )
        uow.commit()
    ports.tokens(stored_id(portal.id, "portal")).save(connection.tokens)
    return portal


def renew(
    ports: InstallPorts,
    portal_id: int,
    changes: Mapping[str, Any],
    tokens: OAuthTokens | None = None,
) -> Portal:
    """An installed app was updated: merge ``changes`` into the portal's settings and keep
    the new token pair, if the CRM sent one (its ``extra`` is the stored pair's)."""
    with ports.uow(None) as uow:
        current = uow.portals.get(portal_id)
        portal = replace(current, settings={**current.settings, **changes})
        uow.portals.save(portal, at=ports.clock.now())
        uow.commit()
    if tokens is not None:
        store = ports.tokens(portal_id)
        store.save(replace(tokens, extra=store.load().extra))
    return portal


def uninstall(ports: InstallPorts, kind: str, external_id: str) -> Portal | None:
    """Stop a portal: what the install set up in the CRM is released while the tokens still
    work, then the portal is marked uninstalled, which forgets its tokens, revokes its links
    and stops its jobs (``portals.uninstall_portal``). None for an unknown portal."""
    with ports.uow(None) as uow:
        portal = uow.portals.find(kind, external_id)
    if portal is None or portal.id is None:
        return None
    accounts = ports.accounts.get(kind)
    if accounts is not None and portal.active:
        accounts.release(portal)
    with ports.uow(None) as uow:
        stopped = uninstall_portal(uow, ports.clock, portal.id)
        uow.commit()
    log.info("%s portal %s uninstalled (portal %s)", kind, external_id, portal.id)
    return stopped


def refresh_idle(ports: InstallPorts, kind: str, within: timedelta = IDLE_REFRESH_WINDOW) -> int:
    """Refresh every active portal of ``kind`` whose access token ends within ``within``.

    A portal nobody touches would otherwise let its refresh token lapse (amoCRM refresh
    tokens live three months, https://www.amocrm.ru/developers/content/oauth/step-by-step);
    a refused refresh marks the portal AUTH_LOST like any other and tells its admin.
    Returns how many refreshed.
    """
    accounts = ports.accounts[kind]
    with ports.uow(None) as uow:
        portals = [p for p in uow.portals.list() if p.kind == kind]
    refreshed = 0
    for portal in portals:
        try:
            refreshed += accounts.refresh_if_ending(portal, within)
        except CrmAuthLost as exc:
            log.warning("%s portal %s: refresh refused: %s", kind, portal.external_id, exc)
            if portal.id is not None:
                notify_auth_lost(ports.uow(portal.id), ports.clock, portal.id)
        except CrmError as exc:
            log.warning("%s portal %s: token refresh failed: %s", kind, portal.external_id, exc)
    return refreshed


def keep_subscribed(ports: InstallPorts, kind: str) -> int:
    """Make every active portal of ``kind`` call this deployment's current address (installed
    before rentflow subscribed itself, or after SECRET_KEY changed); returns how many were
    (re)subscribed. A refused portal is logged and tried again next time."""
    accounts = ports.accounts[kind]
    with ports.uow(None) as uow:
        portals = [p for p in uow.portals.list() if p.kind == kind and p.active]
    done = 0
    for portal in portals:
        try:
            changes = accounts.resubscribe(portal)
        except CrmError as exc:
            log.warning("%s portal %s: webhook not subscribed: %s", kind, portal.external_id, exc)
            continue
        if changes is None:
            continue
        with ports.uow(None) as uow:
            current = uow.portals.get(stored_id(portal.id, "portal"))
            uow.portals.save(replace(current, settings={**current.settings, **changes}))
            uow.commit()
        done += 1
    return done
