"""The tenant cabinet (кабинет арендатора, seed 003): who is signed in and for whom.

A person signs in with an e-mail address a landlord has on file for a tenant; the session
lists the tenants (of any landlord, in any portal) the address was on file for, and the one
chosen. Every cabinet read is scoped by that choice: ``TenantRef`` is the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backend.domain.errors import DomainError

CODE_DIGITS = 6


@dataclass(frozen=True)
class TenantRef:
    """A tenant the person may act for: which portal, which tenant, names to show.

    One company renting several premises from a landlord has a tenant row per lease; the rows
    of one portal with the same INN and KPP that list the person's address are one tenant
    here: ``tenant_id`` names the group (its first row), ``tenant_ids`` holds every row."""

    portal_id: int
    tenant_id: int
    name: str = ""
    landlord: str = ""
    tenant_ids: tuple[int, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        """Every tenant row this choice covers."""
        return self.tenant_ids or (self.tenant_id,)

    @property
    def key(self) -> str:
        """How a page names this choice (no database id alone is enough to pick another's)."""
        return f"{self.portal_id}-{self.tenant_id}"


@dataclass(frozen=True)
class Challenge:
    """A sign-in code and link sent to ``email`` (hashes only)."""

    id: int
    email: str
    code_hash: str
    link_hash: str
    known: bool
    expires_at: datetime
    used_at: datetime | None
    failures: int


@dataclass(frozen=True)
class CabinetSession:
    """A signed-in browser: the address, its CSRF token, its tenants and the chosen one."""

    id: int
    email: str
    csrf: str
    tenants: tuple[TenantRef, ...]
    current: TenantRef | None
    created_at: datetime
    seen_at: datetime
    expires_at: datetime

    def may_act_for(self, key: str) -> TenantRef | None:
        """The tenant named by ``key`` if this session lists it, else None."""
        return next((t for t in self.tenants if t.key == key), None)


@dataclass(frozen=True)
class PaymentLine:
    """One allocation of a payment to a lease (or one of its invoices), as a tenant sees it."""

    payment_id: int
    number: str
    paid_on: date
    source: str
    amount: Decimal
    currency: str
    lease_id: int | None
    invoice_id: int | None


@dataclass(frozen=True)
class StoredFile:
    """A file a tenant may download: a document's rendered file or a lease scan."""

    storage_key: str
    filename: str
    content_type: str


@dataclass(frozen=True)
class Scan:
    """A scan the landlord attached to a lease."""

    id: int
    lease_id: int
    title: str
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime


class SignInRefused(DomainError):
    """A code or link that is wrong, expired, used or locked: one answer for all of them,
    so an attacker learns nothing about which."""


class TooManyRequests(DomainError):
    """Rate limit reached for an address or an IP address; ``retry_after`` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after} s")
        self.retry_after = retry_after


class FieldRefused(DomainError):
    """A value typed into the cabinet (or uploaded for it) that cannot be kept; ``field``
    names it, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ContactInvalid(FieldRefused):
    """A contact (an e-mail address to sign in with) that is not one."""


class ScanRefused(FieldRefused):
    """A scan that cannot be kept (file, title)."""
