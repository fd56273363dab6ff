"""Lease statuses and the moves between them (seed 001, SPEC "The lease cycle").

Stored statuses are the steps a lease goes through while it is negotiated and signed:
draft -> booked (бронь) -> on signing (на подписании) -> signed (подписан) -> registered
(зарегистрирован), with cancelled (отменён) before signing and terminated (расторгнут) after.
``active`` and ``expired`` are never stored: they follow from the dates of a signed lease.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.domain.errors import IllegalTransition
from backend.domain.lease import Lease, LeaseStatus

S = LeaseStatus

NEGOTIATION = frozenset({S.DRAFT, S.BOOKED, S.ON_SIGNING})  # "не активные" (seed 000)
SIGNED_STATES = frozenset({S.SIGNED, S.REGISTERED})
FINAL_STATES = frozenset({S.TERMINATED})
DERIVED_STATES = frozenset({S.ACTIVE, S.EXPIRED})

# Stored status -> stored statuses it may move to. A deal dragged back and forth between the
# negotiation stages is ordinary CRM life; once signed, a lease can only be registered or
# terminated; a cancelled lease can be reopened as a draft.
_ALLOWED: dict[LeaseStatus, frozenset[LeaseStatus]] = {
    S.DRAFT: frozenset({S.BOOKED, S.ON_SIGNING, S.SIGNED, S.CANCELLED}),
    S.BOOKED: frozenset({S.DRAFT, S.ON_SIGNING, S.SIGNED, S.CANCELLED}),
    S.ON_SIGNING: frozenset({S.DRAFT, S.BOOKED, S.SIGNED, S.CANCELLED}),
    S.SIGNED: frozenset({S.REGISTERED, S.TERMINATED}),
    S.REGISTERED: frozenset({S.TERMINATED}),
    S.CANCELLED: frozenset({S.DRAFT}),
    S.TERMINATED: frozenset(),
}


def effective_status(lease: Lease, today: date) -> LeaseStatus:
    """The status a person sees today: a signed or registered lease is active from its start
    to its (addenda-adjusted) end and expired after it; other statuses are as stored."""
    if lease.status in SIGNED_STATES:
        if today > lease.effective_end():
            return S.EXPIRED
        if today >= lease.start:
            return S.ACTIVE
    return lease.status


def is_registered(lease: Lease) -> bool:
    """The "registered" flag: state registration of the lease is done."""
    return lease.status is S.REGISTERED


@dataclass(frozen=True)
class Transition:
    """What a status change did: ``changed`` is False when the lease already was there."""

    before: LeaseStatus
    after: LeaseStatus
    changed: bool


def transition(lease: Lease, target: LeaseStatus, today: date) -> Transition:
    """Move ``lease`` to ``target`` or raise ``IllegalTransition`` saying which and why.

    ``active`` and ``expired`` are derived from dates: asking for them checks that the dates
    agree and changes nothing stored. Asking for the status the lease already has is a no-op.
    """
    before = lease.status
    if target in DERIVED_STATES:
        _check_derived(lease, target, today)
        return Transition(before, before, changed=False)
    if target is before:
        return Transition(before, before, changed=False)
    if target not in _ALLOWED[before]:
        raise IllegalTransition(before, target, _why_not(lease, target))
    lease.status = target
    return Transition(before, target, changed=True)


def _check_derived(lease: Lease, target: LeaseStatus, today: date) -> None:
    current = effective_status(lease, today)
    if current is target:
        return
    if lease.status not in SIGNED_STATES:
        reason = f"a lease becomes {target} by its dates only after it is signed"
    elif target is S.ACTIVE:
        reason = f"it runs {lease.start:%d.%m.%Y}–{lease.effective_end():%d.%m.%Y}"
    else:
        reason = f"it ends on {lease.effective_end():%d.%m.%Y}"
    raise IllegalTransition(current, target, reason)


def _why_not(lease: Lease, target: LeaseStatus) -> str:
    current = lease.status
    if current is S.TERMINATED:
        return "a terminated lease is final; make a new lease instead"
    if current is S.CANCELLED:
        return "a cancelled lease can only be reopened as a draft"
    if current in SIGNED_STATES and target is S.CANCELLED:
        return "a signed lease is terminated, not cancelled"
    if current in SIGNED_STATES and target in NEGOTIATION:
        return "the lease is already signed; it can only be registered or terminated"
    if current is S.REGISTERED and target is S.SIGNED:
        return "a registered lease cannot be unregistered"
    if target is S.REGISTERED:
        return "a lease is registered only after it is signed"
    if target is S.TERMINATED:
        return "only a signed lease can be terminated; cancel it instead"
    return "the lease cycle does not allow it"
