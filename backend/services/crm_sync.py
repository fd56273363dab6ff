"""CRM <-> lease sync shared by both adapters: a deal's stage drives its lease's status, and a
lease event moves the deal to the stage the portal mapped for it (seed 000 "Интеграция",
seed 001, DESIGN "Flows").

The Bitrix24 event task and the amoCRM webhook task both call ``apply_deal_stage``; nothing
here knows which CRM it talks to.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend.domain.errors import IllegalTransition
from backend.domain.lease import LeaseStatus
from backend.domain.status import transition
from backend.ports import Clock
from backend.services.leases import refresh_schedule
from backend.services.unit_of_work import UnitOfWork
from crm_mappings.mapping import LeaseEvent, StageMapping
from crm_mappings.port import CrmPort, DealComment, DealUpdate, LeaseField

log = logging.getLogger(__name__)

STATUS_LABELS_RU: Mapping[LeaseStatus, str] = {
    LeaseStatus.DRAFT: "Черновик",
    LeaseStatus.BOOKED: "Бронь",
    LeaseStatus.ON_SIGNING: "На подписании",
    LeaseStatus.SIGNED: "Подписан",
    LeaseStatus.REGISTERED: "Зарегистрирован",
    LeaseStatus.ACTIVE: "Действует",
    LeaseStatus.EXPIRED: "Истёк",
    LeaseStatus.TERMINATED: "Расторгнут",
    LeaseStatus.CANCELLED: "Отменён",
}


class StageChange(StrEnum):
    """What became of a deal's stage change."""

    APPLIED = "applied"  # the lease moved to the mapped status
    UNCHANGED = "unchanged"  # the lease already had that status
    NO_MAPPING = "no_mapping"  # the deal's pipeline has no mapping yet
    UNMAPPED = "unmapped"  # the stage is not mapped to a status: ignored
    NO_LEASE = "no_lease"  # the deal has no lease in rentflow
    ILLEGAL = "illegal"  # the lease cycle forbids it: reported on the deal


@dataclass(frozen=True)
class StageChangeOutcome:
    result: StageChange
    deal_id: str
    stage_id: str
    lease_id: int | None = None
    before: LeaseStatus | None = None
    after: LeaseStatus | None = None
    message: str = ""


def load_mapping(uow: UnitOfWork, pipeline_id: str) -> StageMapping | None:
    """The portal's mapping of one pipeline, or None when the admin has not mapped it."""
    stored = uow.mappings.get(pipeline_id)
    if stored is None:
        return None
    statuses, events = stored
    return StageMapping(
        pipeline_id,
        {stage: LeaseStatus(status) for stage, status in statuses.items()},
        {LeaseEvent(event): stage for event, stage in events.items()},
    )


def save_mapping(uow: UnitOfWork, clock: Clock, mapping: StageMapping) -> None:
    """Store an admin's mapping of one pipeline (replacing the previous one); caller commits."""
    uow.mappings.save(
        mapping.pipeline_id,
        {stage: str(status) for stage, status in mapping.statuses.items()},
        {str(event): stage for event, stage in mapping.events.items()},
    )
    uow.audit.record(clock.now(), "mapping.saved", "pipeline", mapping.pipeline_id)


def apply_deal_stage(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, deal_id: str
) -> StageChangeOutcome:
    """Read the deal, map its stage to a lease status and apply it to the deal's lease.

    Events carry only the deal id (Bitrix24 ONCRMDEALUPDATE, amoCRM ``leads[status]``), so the
    deal is read first. An unmapped stage is logged and ignored; an illegal move is not forced
    but explained in a comment on the deal. ``uow`` is entered and committed here.
    """
    deal = crm.get_deal(deal_id)
    with uow:
        outcome = _apply(uow, clock, deal_id, deal.pipeline_id, deal.stage_id)
        uow.commit()
    if outcome.result is StageChange.ILLEGAL:
        crm.add_comments([DealComment(deal_id, outcome.message)])
    elif outcome.result in {StageChange.UNMAPPED, StageChange.NO_MAPPING}:
        log.info("deal %s: stage %s ignored (%s)", deal_id, deal.stage_id, outcome.result)
    return outcome


def _apply(
    uow: UnitOfWork, clock: Clock, deal_id: str, pipeline_id: str, stage_id: str
) -> StageChangeOutcome:
    mapping = load_mapping(uow, pipeline_id)
    if mapping is None:
        return StageChangeOutcome(StageChange.NO_MAPPING, deal_id, stage_id)
    target = mapping.status_for(stage_id)
    if target is None:
        return StageChangeOutcome(StageChange.UNMAPPED, deal_id, stage_id)
    lease = uow.leases.by_deal(deal_id)
    if lease is None or lease.id is None:
        return StageChangeOutcome(StageChange.NO_LEASE, deal_id, stage_id, after=target)
    before = lease.status
    try:
        moved = transition(lease, target, clock.today())
    except IllegalTransition as err:
        uow.audit.record(
            clock.now(),
            "lease.transition_refused",
            "lease",
            lease.id,
            {"from": str(err.current), "to": str(err.target), "reason": err.reason},
        )
        text = (
            f"rentflow: договор {lease.number} не переведён в статус "
            f"«{STATUS_LABELS_RU[target]}» (сейчас «{STATUS_LABELS_RU[LeaseStatus(err.current)]}»)"
            f": {err.reason}."
        )
        return StageChangeOutcome(
            StageChange.ILLEGAL, deal_id, stage_id, lease.id, before, target, text
        )
    if not moved.changed:
        return StageChangeOutcome(
            StageChange.UNCHANGED, deal_id, stage_id, lease.id, before, before
        )
    uow.leases.save(lease, now=clock.now())
    refresh_schedule(uow, lease.id)
    uow.audit.record(
        clock.now(),
        "lease.status",
        "lease",
        lease.id,
        {"from": str(before), "to": str(moved.after), "deal": deal_id, "stage": stage_id},
    )
    return StageChangeOutcome(StageChange.APPLIED, deal_id, stage_id, lease.id, before, moved.after)


def deal_update_for_event(
    mapping: StageMapping | None,
    deal_id: str,
    event: LeaseEvent,
    fields: Mapping[LeaseField, str] | None = None,
) -> DealUpdate:
    """The deal update a lease event causes: the mapped stage (if any) plus rentflow fields."""
    stage = mapping.stage_for(event) if mapping is not None else None
    return DealUpdate(deal_id=deal_id, stage_id=stage, fields=dict(fields or {}))


def stage_for_status(mapping: StageMapping, status: LeaseStatus) -> str | None:
    """The first stage (in mapping order) an admin mapped to ``status``, if any."""
    return next((stage for stage, mapped in mapping.statuses.items() if mapped is status), None)


def set_lease_status(
    uow: UnitOfWork, clock: Clock, crm: CrmPort, lease_id: int, target: LeaseStatus
) -> StageChangeOutcome:
    """Change the lease's status in rentflow and move its deal to the mapped stage.

    The lease is saved first; the deal is then brought in line by ``push_lease_to_deal``,
    which is idempotent, so a CRM that is down (``CrmUnavailable``) is retried by the caller
    without touching the lease again. An illegal move raises ``IllegalTransition``.
    """
    with uow:
        lease = uow.leases.get(lease_id)
        before = lease.status
        moved = transition(lease, target, clock.today())
        if moved.changed:
            uow.leases.save(lease, now=clock.now())
            refresh_schedule(uow, lease_id)
            uow.audit.record(
                clock.now(),
                "lease.status",
                "lease",
                lease_id,
                {"from": str(before), "to": str(moved.after), "by": "rentflow"},
            )
        deal_id, _ = uow.leases.deal_of(lease_id)
        uow.commit()
    result = StageChange.APPLIED if moved.changed else StageChange.UNCHANGED
    outcome = StageChangeOutcome(result, deal_id or "", "", lease_id, before, moved.after)
    if deal_id:
        push_lease_to_deal(uow, crm, lease_id)
    return outcome


def push_lease_to_deal(uow: UnitOfWork, crm: CrmPort, lease_id: int) -> DealUpdate | None:
    """Write the lease's status to its deal: the status field, and the stage mapped for that
    status in the deal's pipeline unless the deal already stands in a stage that means it.
    Safe to repeat."""
    with uow:
        lease = uow.leases.get(lease_id)
        deal_id, _ = uow.leases.deal_of(lease_id)
    if not deal_id:
        return None
    deal = crm.get_deal(deal_id)  # the deal may have moved pipeline since the lease was made
    with uow:
        mapping = load_mapping(uow, deal.pipeline_id)
    stage = None
    if mapping is not None and mapping.status_for(deal.stage_id) is not lease.status:
        stage = stage_for_status(mapping, lease.status)
    update = DealUpdate(deal_id, stage, {LeaseField.LEASE_STATUS: STATUS_LABELS_RU[lease.status]})
    crm.update_deals([update])
    return update
