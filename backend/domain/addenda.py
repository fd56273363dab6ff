"""What each addendum (доп. соглашение) of a lease changed, as a tenant's accountant reads it:
the monthly rent before and from its day, the end date, the premises and their area, or the
termination (расторжение) it records.

The figures are the schedule's (``schedule.terms_on``), the terms the invoices are billed
by and the landlord's lease card shows, never a rent recomputed another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from backend.domain.lease import Indexation, Lease
from backend.domain.money import Money
from backend.domain.parties import Premises
from backend.domain.schedule import terms_on


@dataclass(frozen=True)
class AddendumChange:
    """One addendum's changes; a field is ``None`` when the addendum left it as it was.
    ``termination``: the addendum ends the lease on its own day (the workspace's and the
    API's termination with a last day writes such one)."""

    number: str
    effective_from: date
    signed_on: date | None
    termination: bool = False
    rent: tuple[Money, Money] | None = None  # a month: the day before, from its day
    end: tuple[date, date] | None = None
    premises: tuple[Premises, ...] | None = None  # the premises from its day
    area: tuple[Decimal, Decimal] | None = None  # m², before and from its day


@dataclass(frozen=True)
class LeaseChanges:
    """How a lease's terms changed after it was signed: its addenda, in the order they take
    effect, and the rent's yearly indexation."""

    addenda: tuple[AddendumChange, ...] = ()
    indexation: Indexation | None = None

    def __bool__(self) -> bool:
        return bool(self.addenda) or self.indexation is not None


def lease_changes(lease: Lease) -> LeaseChanges:
    """``lease``'s addenda with what each changed, and its indexation."""
    return LeaseChanges(addendum_changes(lease), lease.indexation)


def _area(premises: tuple[Premises, ...]) -> Decimal:
    return sum((p.area_m2 for p in premises), Decimal(0))


def addendum_changes(lease: Lease) -> tuple[AddendumChange, ...]:
    """Every addendum of ``lease`` in the order they take effect, with what it changed."""
    changes = []
    end = lease.end
    for addendum in sorted(lease.addenda, key=lambda a: (a.effective_from, a.number)):
        day = addendum.effective_from
        before, after = terms_on(lease, day - timedelta(days=1)), terms_on(lease, day)
        termination = addendum.end is not None and addendum.end == day
        moved = addendum.end is not None and addendum.end != end and not termination
        premises = addendum.premises is not None and addendum.premises != before.premises
        changes.append(
            AddendumChange(
                number=addendum.number, effective_from=day, signed_on=addendum.signed_on,
                termination=termination,
                rent=(before.monthly, after.monthly) if before.monthly != after.monthly else None,
                end=(end, addendum.end) if moved and addendum.end is not None else None,
                premises=after.premises if premises else None,
                area=(_area(before.premises), _area(after.premises)) if premises else None,
            )
        )  # fmt: skip
        end = addendum.end or end
    return tuple(changes)
