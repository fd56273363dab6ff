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

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # invoice, invoice_qr, act
    storage_key: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("portal_id", "identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    identity: Mapped[str] = mapped_column(String(255))
    number: Mapped[str] = mapped_column(String(64))
    paid_on: Mapped[date]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    allocated: Mapped[Decimal] = mapped_column(default=Decimal(0))
    payer_name: Mapped[str] = mapped_column(Text, default="")
    payer_inn: Mapped[str] = mapped_column(String(12), default="")
    payer_account: Mapped[str] = mapped_column(String(20), default="")
    payee_account: Mapped[str] = mapped_column(String(20), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="bank_statement")
    external_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime | None] = mapped_column(default=None)


class AllocationRow(Base):
    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), default=None)
    lease_id: Mapped[int | None] = mapped_column(ForeignKey("leases.id"), default=None)
    amount: Mapped[Decimal]
    by: Mapped[str] = mapped_column(String(64), default="auto")
    created_at: Mapped[datetime | None] = mapped_column(default=None)


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


class BillingRunRow(Base):
    __tablename__ = "billing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int | None] = mapped_column(ForeignKey("portals.id"), index=True)
    run_on: Mapped[date]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")
    issued: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(default=list)


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


# --- premises, tenants and accounts in bulk (issue 19: seed 002 import, seed 000 CIAN feed) ---
# PremisesRow and TenantRow above gained their import columns in migration 0008_premises.


class BuildingRow(Base):
    """A building (объект) of the portal: its address and the description CIAN lots fall back
    to when the premises' section has none (seed 000)."""

    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("portal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")


class BuildingSectionRow(Base):
    """A section (секция) of a building; its description goes into CIAN lots first."""

    __tablename__ = "building_sections"
    __table_args__ = (UniqueConstraint("portal_id", "building", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    building: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")


class TenantExternalIdRow(Base):
    """One of a tenant's external ids (from 1C, another CRM...), with a note (seed 002)."""

    __tablename__ = "tenant_external_ids"
    __table_args__ = (UniqueConstraint("portal_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class TenantPhoneRow(Base):
    """A phone a tenant has or had: seed 002 refuses a phone another tenant "is or was" using."""

    __tablename__ = "tenant_phones"
    __table_args__ = (
        UniqueConstraint("portal_id", "phone", "tenant_id"),
        Index("ix_tenant_phones_portal_phone", "portal_id", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    current: Mapped[bool] = mapped_column(default=True)


class PersonalAccountRow(Base):
    """A personal account (лицевой счёт) of a premises, optionally of one tenant."""

    __tablename__ = "personal_accounts"
    __table_args__ = (UniqueConstraint("portal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    number: Mapped[str] = mapped_column(String(64))
    premises_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"), index=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlords.id"), default=None)
    external_id: Mapped[str] = mapped_column(String(120), default="")
    hidden: Mapped[bool] = mapped_column(default=False)


class ImportRunRow(Base):
    """One run of an import (XML on schedule or by hand, Excel, API): the log of seed 002."""

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_portal_started", "portal_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    channel: Mapped[str] = mapped_column(String(20))  # xml, excel, api
    source: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # manual, schedule
    status: Mapped[str] = mapped_column(String(20), default="running")  # ok, failed
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    warnings: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiKeyRow(Base):
    """A public API key of a portal: only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotencyKeyRow(Base):
    """The answer given to a POST with an ``Idempotency-Key``: a retry gets it again."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("portal_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body
    status_code: Mapped[int]
    body: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class FeedVersionRow(Base):
    """When a portal's feed (``cian``) last changed: its ETag and that moment (Last-Modified).
    Kept apart from ``portals.settings`` so a feed request never rewrites the settings."""

    __tablename__ = "feed_versions"

    portal_id: Mapped[int] = mapped_column(ForeignKey("portals.id"), primary_key=True)
    feed: Mapped[str] = mapped_column(String(20), primary_key=True)
    etag: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class BillingRunChunkRow(Base):
    """A done chunk of a billing run fanned out in chunks (``services.billing_fanout``)."""

    __tablename__ = "billing_run_chunks"

    run_id: Mapped[int] = mapped_column(ForeignKey("billing_runs.id"), primary_key=True)
    chunk: Mapped[int] = mapped_column(primary_key=True)
    total: Mapped[int]
    issued: Mapped[int]
    failed: Mapped[int]
    errors: Mapped[list[Any]] = mapped_column(default=list)
    done_at: Mapped[datetime]
