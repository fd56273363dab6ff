"""Missed CRM events recovered by re-reading the deals changed since the last sync.

Bitrix24 sends each event once and never again (EN api-reference/events/index: no
redelivery), so a deal moved while rentflow was down, or whose event was lost, would never
reach its lease. Two documented remedies exist: offline events (``event.bind`` with
``event_type=offline`` + ``event.offline.get``, api-reference/events/offline-events) and a
periodic re-read of changed items. rentflow re-reads (``crm.item.list`` filtered by
``>=updatedTime``, crm/universal/crm-item-list) because it needs nothing more from the portal
than the list rentflow already may call: no second binding per event, no admin-only
``event.offline.get``, no plan-dependent confirmation mode (``rest_offline_extended``), and it
also covers the time a portal's access was lost. Every changed deal goes to the same
deal-changed work as an event (``crm_sync.apply_deal_stage`` is idempotent: an unchanged stage
changes nothing).

The mark (the newest ``updatedTime`` seen, and the deals seen at exactly that moment) is kept
in the portal's settings, so each deal changed once is queued once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork

FIRST_LOOKBACK = timedelta(days=1)  # a portal never synced: the last day's changes
MARK, MARK_IDS = "deals_synced_until", "deals_synced_ids"


@runtime_checkable
class ChangedDeals(Protocol):
    """The CRM side: deals changed at or after a moment, as (deal id, changed at)."""

    def changed_deals(self, since: datetime) -> Sequence[tuple[str, datetime]]: ...


def deals_to_resync(
    uow: UnitOfWork, clock: Clock, portal_id: int, source: ChangedDeals
) -> list[str]:
    """The ids of the deals changed since the portal's mark, oldest first; moves the mark."""
    with uow:
        portal = uow.portals.get(portal_id)
    stored = str(portal.settings.get(MARK, ""))
    since = datetime.fromisoformat(stored) if stored else clock.now() - FIRST_LOOKBACK
    seen = {str(i) for i in portal.settings.get(MARK_IDS) or ()}
    changed = list(source.changed_deals(since))
    fresh = [deal for deal, at in changed if not (at == since and deal in seen)]
    if not changed:
        return fresh
    last = max(at for _, at in changed)
    at_last = {deal for deal, at in changed if at == last} | (seen if last == since else set())
    with uow:
        portal = uow.portals.get(portal_id)
        settings = {**portal.settings, MARK: last.isoformat(), MARK_IDS: sorted(at_last)}
        uow.portals.save(replace(portal, settings=settings), at=clock.now())
        uow.commit()
    return list(dict.fromkeys(fresh))
