"""Documents out through OData: issued invoices and acts as draft (unposted) 1C documents.

1C's standard interface accepts POSTs of ``Document_СчетНаОплатуПокупателю`` and
``Document_РеализацияТоваровУслуг`` (the act) with ``Posted`` false; the accountant posts
them. The counterparty is looked up by ИНН in ``Catalog_Контрагенты`` first and created
when missing: a document refers to it only by ``Контрагент_Key``, so the key must exist first.
Each created draft's ``Ref_Key`` is kept on the document, so a document is written once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from backend.domain.billing import DocumentKind
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.domain.parties import Tenant
from backend.onec.errors import OneCError
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork

INVOICES = "Document_СчетНаОплатуПокупателю"
ACTS = "Document_РеализацияТоваровУслуг"
COUNTERPARTIES = "Catalog_Контрагенты"


class OneCWriter(Protocol):
    """What the push needs of an OData client (``backend.onec.odata.ODataClient``)."""

    def query(
        self, entity_set: str, *, filter: str | None = None, select: str | None = None
    ) -> list[dict[str, Any]]: ...
    def create(self, entity_set: str, entity: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class DraftResult:
    """Drafts created in 1C (our numbers), documents already there, and the error that
    stopped the run, if any (what was created before it is kept)."""

    created: list[str] = field(default_factory=list)
    already: int = 0
    error: str = ""


def _vat_name(lease: Lease) -> str:
    rate = lease.vat.rate
    return "БезНДС" if rate is None else f"НДС{rate.normalize():f}"


def _counterparty_key(onec: OneCWriter, tenant: Tenant, cache: dict[str, str]) -> str:
    if tenant.inn in cache:
        return cache[tenant.inn]
    if not tenant.inn.isdigit():
        raise ValueError(f"tenant {tenant.name} has no ИНН to find it in 1C")
    found = onec.query(COUNTERPARTIES, filter=f"ИНН eq '{tenant.inn}'", select="Ref_Key")
    if found:
        key = str(found[0]["Ref_Key"])
    else:
        created = onec.create(
            COUNTERPARTIES,
            {
                "Description": tenant.name,
                "НаименованиеПолное": tenant.name,
                "ИНН": tenant.inn,
                "КПП": tenant.kpp,
            },
        )
        key = str(created["Ref_Key"])
    cache[tenant.inn] = key
    return key


def draft_entity(doc: IssuedDocument, lease: Lease, counterparty_key: str) -> dict[str, Any]:
    """The OData body of the draft for ``doc``: head fields and one row per line."""
    rows = [
        {
            "LineNumber": str(n),
            "Содержание": line.description,
            "Количество": line.quantity,
            "Цена": float(line.price.amount),
            "Сумма": float(line.amount.amount),
            "СтавкаНДС": _vat_name(lease),
            "СуммаНДС": float(line.vat.amount),
        }
        for n, line in enumerate(doc.lines, start=1)
    ]
    entity: dict[str, Any] = {
        "Date": f"{doc.issued_on:%Y-%m-%d}T00:00:00",
        "Контрагент_Key": counterparty_key,
        "СуммаДокумента": float(doc.total.amount),
        "СуммаВключаетНДС": lease.vat.included or lease.vat.rate is None,
        "Комментарий": f"rentflow: {doc.number}, договор № {lease.number}",
    }
    if doc.kind is DocumentKind.INVOICE:
        entity["Товары"] = rows
    else:
        entity["ВидОперации"] = "Услуги"
        entity["Услуги"] = rows
    return entity


def push_drafts(
    uow: UnitOfWork, clock: Clock, onec: OneCWriter, *, year: int, month: int
) -> DraftResult:
    """Create 1C drafts for the month's invoices and acts not written yet. The caller commits
    (also after an error: the drafts made before it are recorded, so a retry skips them)."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    result = DraftResult()
    cache: dict[str, str] = {}
    leases: dict[int, Lease] = {}
    for doc in uow.documents.list():
        if doc.id is None or doc.status == "cancelled" or not first <= doc.issued_on <= last:
            continue
        if uow.documents.onec_ref(doc.id):
            result.already += 1
            continue
        lease = leases.setdefault(doc.lease_id, uow.leases.get(doc.lease_id))
        try:
            key = _counterparty_key(onec, lease.tenant, cache)
            target = INVOICES if doc.kind is DocumentKind.INVOICE else ACTS
            created = onec.create(target, draft_entity(doc, lease, key))
        except (OneCError, ValueError) as exc:
            result.error = f"{doc.number}: {exc}"
            break
        uow.documents.mark(doc.id, onec_ref=str(created["Ref_Key"]))
        uow.audit.record(
            clock.now(), "onec.draft_created", "document", doc.id, {"ref": str(created["Ref_Key"])}
        )
        result.created.append(doc.number)
    return result
