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
            clock.now(), "lease.transition_refused", "lease", lease.id,
            {"from": str(err.current), "to": str(err.target), "reason": err.reason},
        )  # fmt: skip
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
    uow.audit.record(
        clock.now(), "lease.status", "lease", lease.id,
        {"from": str(before), "to": str(moved.after), "deal": deal_id, "stage": stage_id},
    )  # fmt: skip
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
