"""The tables. Every customer row carries ``portal_id``; repositories scope every query by it.

Unique keys that make the service idempotent:
- documents: (lease_id, kind, period_start) — one invoice and one act per lease + period;
- payments: (portal_id, identity) — 1C's Ref_Key or account + number + date + amount + payer;
- outbox: dedup_key — what + whom + date;
- leases: (portal_id, crm_deal_id) — one lease per deal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, RateColumn

# the topics with tables of their own, importable from here as before (a new topic's tables
# go in their own tables_<topic>.py, re-exported the same way)
from backend.db.tables_bulk import *  # noqa: F403
from backend.db.tables_payments import *  # noqa: F403
from backend.db.tables_runs import *  # noqa: F403


class PortalRow(Base):
    __tablename__ = "portals"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(120))
    domain: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    auth_encrypted: Mapped[str] = mapped_column(Text, default="")  # Fernet(JSON of tokens)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lock_version: Mapped[int] = mapped_column(default=0)  # bumped to take the refresh lock
    installed_at: Mapped[datetime | None] = mapped_column(default=None)
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)


class UserRow(Base):
    """A person of the landlord's side: manager, supervisor, accountant."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255), default="")
    crm_user_id: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[str] = mapped_column(String(255), default="")


class LandlordRow(Base):
    __tablename__ = "landlords"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    inn: Mapped[str] = mapped_column(String(12), index=True)
    kpp: Mapped[str] = mapped_column(String(9), default="")
    ogrn: Mapped[str] = mapped_column(String(15), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    bank_name: Mapped[str] = mapped_column(String(255))
    bic: Mapped[str] = mapped_column(String(9))
    account: Mapped[str] = mapped_column(String(20))
    corr_account: Mapped[str] = mapped_column(String(20), default="")
    director_name: Mapped[str] = mapped_column(String(255), default="")
    director_position: Mapped[str] = mapped_column(String(255), default="")
    accountant_name: Mapped[str] = mapped_column(String(255), default="")
    accountant_email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    vat_payer: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)  # prefixes, template overrides


class LandlordAccountRow(Base):
    """One settlement account of a landlord (расчётный счёт). ``landlords.bank_*`` repeat the
    default one, written together by ``PartyRepository``: a landlord without its default
    account is never stored, and code that needs one account reads it from the landlord."""

    __tablename__ = "landlord_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # the order the form shows them in
    label: Mapped[str] = mapped_column(String(100), default="")  # "Для депозитов"
    bank_name: Mapped[str] = mapped_column(String(255))
    bic: Mapped[str] = mapped_column(String(9))
    account: Mapped[str] = mapped_column(String(20))
    corr_account: Mapped[str] = mapped_column(String(20), default="")
    is_default: Mapped[bool] = mapped_column(default=False)


class TenantRow(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), default="legal_entity")
    inn: Mapped[str] = mapped_column(String(12), default="", index=True)
    kpp: Mapped[str] = mapped_column(String(9), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    emails: Mapped[list[Any]] = mapped_column(default=list)
    phone: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str] = mapped_column(String(120), default="")
    # set by a person: imports (XML, Excel, API) leave this tenant alone (seed 002)
    do_not_sync: Mapped[bool] = mapped_column(default=False, server_default="0")
    # ru, uk or en as last used in the cabinet for this tenant; "" (Russian) until then
    language: Mapped[str] = mapped_column(String(2), default="", server_default="")


class PremisesRow(Base):
    __tablename__ = "premises"
    __table_args__ = (
        Index("ix_premises_portal_external_id", "portal_id", "external_id"),
        Index("ix_premises_portal_code", "portal_id", "code"),  # found by building + number
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255), default="")
    area_m2: Mapped[Decimal] = mapped_column(default=Decimal(0))
    kind: Mapped[str] = mapped_column(String(20), default="office")
    floor: Mapped[str] = mapped_column(String(32), default="")
    building: Mapped[str] = mapped_column(String(255), default="")
    section: Mapped[str] = mapped_column(String(64), default="", server_default="")
    price_per_m2: Mapped[Decimal | None] = mapped_column(default=None)  # a month, with VAT
    status: Mapped[str] = mapped_column(String(10), default="vacant", server_default="vacant")
    external_id: Mapped[str] = mapped_column(String(120), default="", server_default="")
    publish: Mapped[bool] = mapped_column(default=True, server_default="1")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class LeaseRow(Base):
    __tablename__ = "leases"
    __table_args__ = (UniqueConstraint("portal_id", "crm_deal_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    signed_on: Mapped[date]
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    start: Mapped[date]
    end: Mapped[date]
    rent_amount: Mapped[Decimal]
    rent_basis: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    vat_rate: Mapped[Decimal | None] = mapped_column(default=None)
    vat_included: Mapped[bool] = mapped_column(default=True)
    billing_unit: Mapped[str] = mapped_column(String(10), default="month")
    billing_every: Mapped[int] = mapped_column(default=1)
    issue_anchor: Mapped[str] = mapped_column(String(20), default="before_start")
    issue_days: Mapped[int] = mapped_column(default=0)
    due_anchor: Mapped[str] = mapped_column(String(20), default="after_issue")
    due_days: Mapped[int] = mapped_column(default=5)
    timing: Mapped[str] = mapped_column(String(10), default="prepay")
    auto_send: Mapped[bool] = mapped_column(default=False)
    act_on_payment: Mapped[bool] = mapped_column(default=False, server_default="0")
    reminder_days: Mapped[int] = mapped_column(default=30)
    deposit: Mapped[Decimal | None] = mapped_column(default=None)
    indexation_percent: Mapped[Decimal | None] = mapped_column(default=None)
    indexation_first_on: Mapped[date | None] = mapped_column(default=None)
    penalty_rate_per_day: Mapped[Decimal | None] = mapped_column(RateColumn, default=None)
    penalty_invoicing: Mapped[str] = mapped_column(
        String(16), default="on_demand", server_default="on_demand"
    )
    due_reminder_days: Mapped[list[Any] | None] = mapped_column(default=None)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    accountant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # the landlord's account the tenant pays to; None: the landlord's default account
    bank_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("landlord_accounts.id"), default=None
    )
    status: Mapped[str] = mapped_column(String(20), default="draft")
    original_received: Mapped[bool] = mapped_column(default=False)
    crm_deal_id: Mapped[str | None] = mapped_column(String(64), default=None)
    crm_pipeline_id: Mapped[str] = mapped_column(String(64), default="")
    premises_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class AddendumRow(Base):
    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date]
    signed_on: Mapped[date | None] = mapped_column(default=None)
    rent_amount: Mapped[Decimal | None] = mapped_column(default=None)
    rent_basis: Mapped[str | None] = mapped_column(String(20), default=None)
    end: Mapped[date | None] = mapped_column(default=None)
    premises_ids: Mapped[list[Any] | None] = mapped_column(default=None)
    reminder_days: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20), default="terms", server_default="terms")


class DocumentRow(Base):
    """An issued invoice or act; (lease, kind, period start, purpose) of the documents not
    cancelled is the idempotency key (a penalty invoice may start the day a rent invoice
    does; a cancelled invoice keeps its number and row, and its days can be billed again)."""

    __tablename__ = "documents"
    __table_args__ = (
        Index(
            "uq_documents_live",
            "lease_id",
            "kind",
            "period_start",
            "purpose",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_documents_portal_status", "portal_id", "kind", "status"),
        # the run's tenant mail looks only at documents never delivered (sent_at NULL)
        Index("ix_documents_portal_sent", "portal_id", "sent_at"),
        Index("ix_documents_portal_summary", "portal_id", "summary_pending"),
        # a lease's documents (a chunk's leases) without reading the whole portal's
        Index("ix_documents_portal_lease", "portal_id", "lease_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date]
    period_start: Mapped[date]
    period_end: Mapped[date]
    due_on: Mapped[date | None] = mapped_column(default=None)
    net: Mapped[Decimal]
    vat: Mapped[Decimal]
    total: Mapped[Decimal]
    paid: Mapped[Decimal] = mapped_column(default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    status: Mapped[str] = mapped_column(String(20), default="issued")
    lines: Mapped[list[Any]] = mapped_column(default=list)
    files: Mapped[dict[str, Any]] = mapped_column(default=dict)  # role -> storage key
    public_token: Mapped[str] = mapped_column(String(64), default="")
    manual: Mapped[bool] = mapped_column(default=False)
    purpose: Mapped[str] = mapped_column(String(10), default="rent", server_default="rent")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    crm_synced_at: Mapped[datetime | None] = mapped_column(default=None)
    exported_at: Mapped[datetime | None] = mapped_column(default=None)
    onec_ref: Mapped[str] = mapped_column(String(64), default="")  # draft created in 1C
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    # set with the issue, cleared when a manager summary lists it: a run killed before its
    # summary leaves the flag for the next run, so no issued document is left out
    summary_pending: Mapped[bool] = mapped_column(default=False, server_default="0")


class ScheduleItemRow(Base):
    """A planned document not issued yet, kept current by ``services.leases.refresh_schedule``.

    Derived from the lease, its addenda and its issued documents; stored so the nightly run
    and needs-attention find due items with one indexed query instead of planning every lease.
    """

    __tablename__ = "schedule_items"
    __table_args__ = (
        UniqueConstraint("lease_id", "kind", "period_start"),
        Index("ix_schedule_items_portal_issue_on", "portal_id", "issue_on"),
        # a lease's plan without reading the whole portal's (SQLite, without statistics,
        # would take the index above)
        Index("ix_schedule_items_portal_lease", "portal_id", "lease_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    lease_id: Mapped[int] = mapped_column(ForeignKey("leases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date]
    period_end: Mapped[date]
    issue_on: Mapped[date]
    due_on: Mapped[date | None] = mapped_column(default=None)
    net: Mapped[Decimal]
    vat: Mapped[Decimal]
    total: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    lines: Mapped[list[Any]] = mapped_column(default=list)


class NumberCounterRow(Base):
    """The last number used per landlord entity, document kind and year."""

    __tablename__ = "number_counters"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), primary_key=True)
    landlord_id: Mapped[int] = mapped_column(ForeignKey("landlords.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class DocumentLinkRow(Base):
    """A public link to one rendered file of a document; ``token`` is random, never an ID."""

    __tablename__ = "document_links"
    # a document's links without reading every link of the portal (SQLite, without
    # statistics, would take the portal's index)
    __table_args__ = (Index("ix_document_links_portal_document", "portal_id", "document_id"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # invoice, invoice_qr, act
    storage_key: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxRow(Base):
    """A message to deliver; rows first, sent by a task; ``dedup_key`` keeps it single."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"), default=None)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    kind: Mapped[str] = mapped_column(String(40), default="")
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    reply_to: Mapped[str] = mapped_column(String(255), default="")
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # [{name, key, mime}]
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class StageMappingRow(Base):
    __tablename__ = "stage_mappings"
    __table_args__ = (UniqueConstraint("portal_id", "pipeline_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    pipeline_id: Mapped[str] = mapped_column(String(64))
    statuses: Mapped[dict[str, Any]] = mapped_column(default=dict)  # stage id -> lease status
    events: Mapped[dict[str, Any]] = mapped_column(default=dict)  # lease event -> stage id


class AuditRow(Base):
    """Who changed what, when: every state change of a lease, document or payment."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120), default="system")
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LeaseEventRow(Base):
    """A deal move a lease event asks for (paid, invoice sent, act sent), recorded in the
    same transaction as the event: the push task may be lost or fail for hours, the row is
    not; the 30-minute sweep re-queues rows still pending (``services.lease_events``)."""

    __tablename__ = "crm_lease_events"
    __table_args__ = (
        UniqueConstraint("document_id", "event"),
        Index("ix_crm_lease_events_pending", "portal_id", "pushed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    event: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime]
    pushed_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")  # a refusal not worth retrying


class UsedNonceRow(Base):
    """A one-time value already spent (an amoCRM widget token's ``jti``, an OAuth ``state``):
    the unique key makes the second use fail in every process; rows past ``expires_at``
    are purged, the value being refused by its own expiry from then on."""

    __tablename__ = "used_nonces"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(index=True)
