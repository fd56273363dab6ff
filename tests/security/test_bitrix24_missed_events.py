"""Issue 14: "a deal moved while rentflow is down is lost" (Bitrix24 never redelivers an
event). Replayed: the deal moves on the portal and no event reaches rentflow; the periodic
re-read of changed deals (``services.deal_resync``, beat ``bitrix24-resync``) brings the lease
along, once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from backend.domain.lease import LeaseStatus
from backend.services.deal_resync import ChangedDeals, deals_to_resync
from backend.services.leases import register_lease
from tests import factories
from tests.security.bitrix24_world import World, world

__all__ = ["world"]  # the fixture


def test_a_deal_moved_while_rentflow_was_down_moves_its_lease_at_the_next_resync(
    world: World,
) -> None:
    from jobs import runtime, tasks

    portal = world.installed()
    assert portal.id is not None
    deal = world.portal.add_deal({"title": "Аренда офиса 101"})
    with world.container.uow(portal.id) as uow:
        lease = register_lease(
            uow, world.container.clock, factories.lease(status=LeaseStatus.DRAFT),
            crm_deal_id=str(deal["id"]), crm_pipeline_id="0",
        ).lease_id  # fmt: skip
        uow.mappings.save("0", {"PREPARATION": "booked"}, {})
        uow.commit()
    deal["stageId"] = "PREPARATION"  # moved on the kanban; the event never arrived
    deal["updatedTime"] = world.portal.timestamp()

    def resync() -> list[str]:
        with world.container.uow() as uow:
            stored = uow.portals.get(portal.id or 0)
        source = world.container.crm(stored)
        assert isinstance(source, ChangedDeals)
        return deals_to_resync(
            world.container.uow(portal.id), world.container.clock, portal.id or 0, source
        )

    queued = resync()
    runtime.set_container(world.container)
    try:
        for deal_id in queued:
            tasks.crm_deal_changed(portal.id, deal_id)
    finally:
        runtime.set_container(None)

    assert queued == [str(deal["id"])]
    with world.container.uow(portal.id) as uow:
        assert uow.leases.get(lease).status is LeaseStatus.BOOKED
    assert resync() == []  # the mark moved: nothing is queued twice


class _Changes:
    def __init__(self, rows: Sequence[tuple[str, datetime]]) -> None:
        self.rows = list(rows)
        self.asked: list[datetime] = []

    def changed_deals(self, since: datetime) -> Sequence[tuple[str, datetime]]:
        self.asked.append(since)
        return [row for row in self.rows if row[1] >= since]


def test_deals_changed_in_the_same_second_as_the_mark_are_queued_once(world: World) -> None:
    portal = world.installed()
    assert portal.id is not None
    now = world.container.clock.now()
    source = _Changes([("1", now), ("2", now)])

    def run() -> list[str]:
        return deals_to_resync(
            world.container.uow(portal.id), world.container.clock, portal.id or 0, source
        )

    first = run()
    source.rows.append(("3", now))  # changed later in that same second
    second = run()

    assert (first, second, run()) == (["1", "2"], ["3"], [])
    assert source.asked[0] == now - timedelta(days=1)  # never synced: the last day
    assert source.asked[1:] == [now, now]
