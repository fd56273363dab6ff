"""Documents out to 1C: a month's invoices and acts as an EnterpriseData message.

The file is stored (downloadable from the app) and emailed to the accountant through the
outbox. Documents carry ``exported_at``, so an export never repeats a document unless a
re-export is asked for (seed 000: "1C export ... on the 1st of each month for the
previous month").
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend.domain.billing import DocumentKind
from backend.domain.documents import DocumentPurpose, IssuedDocument
from backend.domain.lease import Lease
from backend.domain.messages import Attachment, OutboxMessage
from backend.domain.parties import LandlordEntity, Tenant
from backend.onec.enterprise_data import (
    ExportDocument,
    Party,
    build_message,
    validate,
)
from backend.ports import Clock, DocumentStorage
from backend.services.unit_of_work import UnitOfWork

XML_MIME = "application/xml"


@dataclass(frozen=True)
class ExportResult:
    """What an export produced."""

    month: str
    invoices: int
    acts: int
    already_exported: int
    storage_key: str | None = None
    emailed_to: tuple[str, ...] = ()

    @property
    def documents(self) -> int:
        return self.invoices + self.acts


def previous_month(today: date) -> tuple[int, int]:
    """The (year, month) before ``today``'s month: what the scheduled export covers."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def _party(entity: LandlordEntity | Tenant) -> Party:
    bank = getattr(entity, "bank", None)
    return Party(
        name=entity.name, inn=entity.inn, kpp=entity.kpp, address=entity.address,
        bank_account=bank.account if bank else "", bic=bank.bic if bank else "",
    )  # fmt: skip


def _export_document(doc: IssuedDocument, lease: Lease, portal_key: str) -> ExportDocument:
    return ExportDocument(
        kind=doc.kind, number=doc.number, issued_on=doc.issued_on,
        landlord=_party(lease.landlord), tenant=_party(lease.tenant),
        lease_number=lease.number, lease_signed_on=lease.signed_on, lines=doc.lines,
        total=doc.total.amount, vat=doc.vat.amount,
        # пени carry no VAT whatever the lease's rent does (backend.domain.penalties)
        vat_rate=None if doc.purpose is DocumentPurpose.PENALTY else lease.vat.rate,
        vat_included=lease.vat.included, currency=doc.total.currency, portal_key=portal_key,
    )  # fmt: skip


def export_month(
    uow: UnitOfWork,
    clock: Clock,
    store: DocumentStorage,
    *,
    year: int,
    month: int,
    reexport: bool = False,
    recipients: tuple[str, ...] | None = None,
) -> ExportResult:
    """Export the invoices and acts issued in ``year``-``month`` that 1C has not had yet.

    ``reexport`` includes the ones exported before. ``recipients`` default to the
    accountant's address in the portal's 1C settings (``settings["onec"]
    ["accountant_email"]``), else the landlord's accountant. The caller commits.
    """
    if uow.portal_id is None:
        raise ValueError("an export needs a portal-scoped unit of work")
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    label = f"{first:%Y-%m}"
    candidates = [
        d
        for d in uow.documents.list()
        if d.kind in (DocumentKind.INVOICE, DocumentKind.ACT)
        and d.status != "cancelled"
        and first <= d.issued_on <= last
        and d.id is not None
    ]
    fresh = [d for d in candidates if reexport or uow.documents.exported_at(d.id or 0) is None]
    invoices = sum(1 for d in fresh if d.kind is DocumentKind.INVOICE)
    result = ExportResult(label, invoices, len(fresh) - invoices, len(candidates) - len(fresh))
    if not fresh:
        return result
    portal = uow.portals.get(uow.portal_id)
    leases: dict[int, Lease] = {}
    for doc in fresh:
        leases.setdefault(doc.lease_id, uow.leases.get(doc.lease_id))
    now = clock.now()
    portal_key = f"{portal.kind}:{portal.external_id}"
    payload = [_export_document(d, leases[d.lease_id], portal_key) for d in fresh]
    data = build_message(
        payload,
        created_at=now,
        message_no=int(now.timestamp()),
        sender=portal_key,
    )
    validate(data)
    name = f"enterprise-data-{label}-{now:%Y%m%dT%H%M%S}.xml"
    key = f"onec/{uow.portal_id}/{name}"
    store.put(key, data)  # beside the documents: the outbox attaches it from there
    for doc in fresh:
        uow.documents.mark(doc.id or 0, exported_at=now)
    emailed = _email(uow, now, portal.settings, leases, key, name, label, result, recipients)
    uow.audit.record(now, "onec.exported", "export", key,
                     {"month": label, "documents": len(fresh), "reexport": reexport})  # fmt: skip
    return ExportResult(
        result.month, result.invoices, result.acts, result.already_exported, key, emailed
    )


def _email(
    uow: UnitOfWork,
    now: datetime,
    settings: Mapping[str, Any],
    leases: Mapping[int, Lease],
    key: str,
    name: str,
    label: str,
    result: ExportResult,
    recipients: tuple[str, ...] | None,
) -> tuple[str, ...]:
    landlord = next(iter(leases.values())).landlord
    if recipients is None:
        configured = str((settings.get("onec") or {}).get("accountant_email", "")).strip()
        fallback = landlord.accountant.email or landlord.email
        recipients = tuple(a for a in (configured or fallback,) if a)
    if not recipients:
        return ()
    body = (
        f"Выгрузка для 1С:Бухгалтерии за {label} (формат EnterpriseData).\n"
        f"Счетов: {result.invoices}, актов: {result.acts}.\n"
        "Загрузите файл обработкой «Синхронизация данных через универсальный формат»."
    )
    uow.outbox.add(
        OutboxMessage(
            dedup_key=f"onec-export:{uow.portal_id}:{key}",
            recipients=recipients,
            subject=f"Выгрузка в 1С за {label}: {landlord.name}",
            body_text=body,
            kind="onec_export",
            sender_name=f"Robot {landlord.name}",
            reply_to=landlord.email,
            attachments=(Attachment(name=name, storage_key=key, mime=XML_MIME),),
            portal_id=uow.portal_id,
        ),
        now,
    )
    return recipients
