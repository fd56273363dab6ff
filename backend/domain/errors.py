"""Domain errors: each names what is wrong so the edges can say it plainly."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the domain reports."""


class InvalidLease(DomainError):
    """A lease (or addendum) whose data breaks a rule; ``field`` names the culprit, ``reason``
    says it in English (logs, the CLI, the API), ``code`` names the rule (``before_start``,
    ``negative``...) so a page can say it in the viewer's language, with ``expected`` (a
    date in ISO form, a range) where the rule has one."""

    def __init__(self, field: str, reason: str, code: str = "invalid", expected: str = "") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code
        self.expected = expected


class IllegalTransition(DomainError):
    """A lease status change that the lease cycle does not allow."""

    def __init__(self, current: str, target: str, reason: str) -> None:
        super().__init__(f"cannot move lease from {current} to {target}: {reason}")
        self.current = current
        self.target = target
        self.reason = reason


class InvalidRequisites(DomainError):
    """Bank or tax requisites that fail their format or control-digit check; ``code`` says
    which check failed (``missing``, ``digits``, ``length``, ``control``...) so a page can
    say it in the user's language, ``expected`` what the check wanted."""

    def __init__(self, field: str, reason: str, code: str = "invalid", expected: str = "") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code
        self.expected = expected


class CurrencyMismatch(DomainError):
    """Arithmetic across two currencies."""


class AlreadyIssued(DomainError):
    """A document for this lease, kind and period exists already (the idempotency key)."""

    def __init__(self, lease_id: int, kind: str, period_start: object) -> None:
        super().__init__(f"lease {lease_id} already has a {kind} for the period {period_start}")
        self.lease_id = lease_id
        self.kind = kind
        self.period_start = period_start


class DealHasLease(DomainError):
    """The CRM deal is linked to a lease already (one lease per deal, the store's key)."""

    def __init__(self, deal_id: str, lease_id: int | None = None) -> None:
        super().__init__(f"deal {deal_id} already has a lease")
        self.deal_id = deal_id
        self.lease_id = lease_id


class NotFound(DomainError):
    """The thing asked for does not exist in this portal."""


class NotStored(DomainError):
    """An entity used where only a saved one makes sense: its id is still None."""


def stored_id(entity_id: int | None, what: str) -> int:
    """The id of a saved ``what``; NotStored if it was never saved (a bug, never user input)."""
    if entity_id is None:
        raise NotStored(f"{what} has no id: it was never saved")
    return entity_id
