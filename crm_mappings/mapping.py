"""Stage <-> lease-status mapping, set once per pipeline by a portal admin (seed 000/001).

A deal entering a mapped stage moves its lease to the mapped status; a lease event
(invoice issued, sent, paid, ...) moves the deal to the mapped target stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from backend.domain.lease import LeaseStatus
from crm_mappings.port import Pipeline, StageSemantics


class LeaseEvent(StrEnum):
    """Things that happen to a lease's documents and can move its deal."""

    INVOICE_ISSUED = "invoice_issued"
    INVOICE_SENT = "invoice_sent"
    PAID = "paid"
    OVERDUE = "overdue"
    ACT_SENT = "act_sent"
    ACT_SIGNED = "act_signed"


class BillingMode(StrEnum):
    """Where the billing cycle lives (seed 001)."""

    LEASE_DEAL = "lease_deal"  # the lease deal itself moves through billing stages
    DEAL_PER_PERIOD = "deal_per_period"  # one new billing deal per period in a billing pipeline


@dataclass(frozen=True)
class StageMapping:
    """The mapping of one pipeline."""

    pipeline_id: str
    statuses: Mapping[str, LeaseStatus] = field(default_factory=dict)  # stage id -> status
    events: Mapping[LeaseEvent, str] = field(default_factory=dict)  # event -> stage id

    def status_for(self, stage_id: str) -> LeaseStatus | None:
        """The lease status a stage means, or None when the stage is not mapped."""
        return self.statuses.get(stage_id)

    def stage_for(self, event: LeaseEvent) -> str | None:
        """The stage a lease event moves the deal to, or None when not mapped."""
        return self.events.get(event)


# Usual stage names (lower-case, Russian and English) -> the status or event they suggest.
_STATUS_WORDS: tuple[tuple[tuple[str, ...], LeaseStatus], ...] = (
    (("черновик", "draft", "новая", "new"), LeaseStatus.DRAFT),
    (("брон", "book", "reserv"), LeaseStatus.BOOKED),
    (("подписани", "signing", "согласован"), LeaseStatus.ON_SIGNING),
    (("зарегистр", "registered"), LeaseStatus.REGISTERED),
    (("подписан", "signed"), LeaseStatus.SIGNED),
    (("расторг", "terminat"), LeaseStatus.TERMINATED),
    (("отмен", "cancel", "проигр", "lost"), LeaseStatus.CANCELLED),
)
_EVENT_WORDS: tuple[tuple[tuple[str, ...], LeaseEvent], ...] = (
    (("счет выставлен", "счёт выставлен", "invoice issued"), LeaseEvent.INVOICE_ISSUED),
    (("счет отправлен", "счёт отправлен", "invoice sent"), LeaseEvent.INVOICE_SENT),
    (("оплачен", "оплата получена", "paid"), LeaseEvent.PAID),
    (("просроч", "overdue"), LeaseEvent.OVERDUE),
    (("акт отправлен", "act sent"), LeaseEvent.ACT_SENT),
    (("акт подписан", "оригинал", "act signed"), LeaseEvent.ACT_SIGNED),
)


def _match(name: str, table: Iterable[tuple[tuple[str, ...], object]]) -> object | None:
    lowered = name.lower()
    for words, value in table:
        if any(word in lowered for word in words):
            return value
    return None


def default_mapping(pipeline: Pipeline) -> StageMapping:
    """Suggest a mapping from the usual stage names; an admin confirms or edits it."""
    statuses: dict[str, LeaseStatus] = {}
    events: dict[LeaseEvent, str] = {}
    for stage in pipeline.stages:
        event = _match(stage.name, _EVENT_WORDS)
        if isinstance(event, LeaseEvent):
            events.setdefault(event, stage.id)
            continue
        status = _match(stage.name, _STATUS_WORDS)
        if isinstance(status, LeaseStatus):
            statuses[stage.id] = status
        elif stage.semantics is StageSemantics.FAILURE:
            statuses[stage.id] = LeaseStatus.CANCELLED
    return StageMapping(pipeline.id, statuses, events)
