"""The routes of the public API v1 (docs/api.md). Each parses, calls one service or
repository read for the caller's portal, and shapes the answer; the caller's portal is the
one its API key belongs to, so another portal's ids are simply not found (404)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from backend.bulk.excel import read_workbook, write_premises, write_template, write_tenants
from backend.bulk.wiring import read_xml
from backend.domain.documents import IssuedDocument
from backend.domain.lease import Lease
from backend.domain.parties import PremisesKind
from backend.domain.premises import (
    PersonalAccount,
    PremisesCard,
    PremisesFilter,
    PremisesStatus,
)
from backend.domain.tenant_matching import (
    InvalidPhone,
    TenantCard,
    TenantRecord,
    normalise_phone,
)
from backend.services.api_keys import ApiCaller
from backend.services.attention import find_attention
from backend.services.import_schedule import save_settings, settings_of
from backend.services.imports import ImportReport, Located, import_records
from backend.services.lease_json import parse_lease
from backend.services.leases import register_lease
from backend.services.register import all_premises, all_tenants
from backend.web.api_v1 import schemas as s
from backend.web.api_v1.http import (
    RAW_LEASE,
    ApiProblem,
    decode_cursor,
    encode_cursor,
    operation,
)
from backend.web.deps import container

IMPORT_TASK = "jobs.bulk_tasks.import_portal"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _premises_out(card: PremisesCard) -> s.PremisesOut:
    return s.PremisesOut(
        id=card.id or 0,
        external_id=card.external_id,
        building=card.building,
        section=card.section,
        floor=card.floor,
        number=card.number,
        type=card.kind.value,
        area=card.area_m2,
        price_per_m2=card.price_per_m2,
        monthly_rent=card.monthly_rent,
        status=card.status.value,
        publish=card.publish,
        description=card.description,
    )


def _tenant_out(card: TenantCard) -> s.TenantOut:
    return s.TenantOut(
        id=card.id,
        name=card.name,
        kind=card.kind,
        inn=card.inn,
        kpp=card.kpp,
        phone=card.phone,
        emails=list(card.emails),
        address=card.address,
        external_ids=[s.ExternalIdOut(value=e.value, note=e.note) for e in card.external_ids],
        do_not_sync=card.do_not_sync,
    )


def _run_out(report: ImportReport) -> dict[str, Any]:
    return {**report.as_dict(), "id": report.run_id, "trigger": "manual"}


def _import(
    caller: ApiCaller, records: Iterable[Located], channel: str = "api", source: str = "api/v1"
) -> s.ImportRunOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        report = import_records(uow, built.clock, records, channel=channel, source=source)
        (logged,) = [r for r in uow.import_runs.recent(5) if r["id"] == report.run_id]
    if not report.ok:
        where, _, reason = report.error.partition(": ")
        raise ApiProblem(
            422,
            "Import stopped",
            report.error,
            [s.ProblemField(field=where, message=reason)],
            run_id=report.run_id,
        )
    return s.ImportRunOut(**logged)


# --- premises ---
@operation(
    "GET",
    "/premises",
    summary="List premises",
    tag="premises",
    query=s.PremisesQuery,
    response=s.Page[s.PremisesOut],
)
def list_premises(caller: ApiCaller, query: s.PremisesQuery) -> s.Page[s.PremisesOut]:
    where = PremisesFilter(query.building, query.floor, query.status, query.type)
    with container().uow(caller.portal_id) as uow:
        cards = uow.estate.premises_page(
            after=decode_cursor(query.cursor), limit=query.limit, where=where
        )
    return s.Page[s.PremisesOut](
        items=[_premises_out(c) for c in cards],
        next_cursor=encode_cursor(cards[-1].id if cards else None, len(cards), query.limit),
    )


@operation(
    "GET",
    "/premises/<int:premises_id>",
    summary="One premises",
    tag="premises",
    response=s.PremisesOut,
)
def get_premises(caller: ApiCaller, premises_id: int) -> s.PremisesOut:
    with container().uow(caller.portal_id) as uow:
        return _premises_out(uow.estate.premises_card(premises_id))


@operation(
    "POST",
    "/premises",
    summary="Create or overwrite premises (a batch)",
    tag="premises",
    scope="write",
    body=s.PremisesBatch,
    response=s.ImportRunOut,
)
def post_premises(caller: ApiCaller, body: s.PremisesBatch) -> s.ImportRunOut:
    records = [
        Located(
            f"items[{i}]",
            PremisesCard(
                building=p.building,
                number=p.number,
                area_m2=p.area,
                kind=PremisesKind(p.type),
                section=p.section,
                floor=p.floor,
                price_per_m2=p.price_per_m2,
                status=PremisesStatus(p.status),
                external_id=p.external_id,
                publish=p.publish,
                description=p.description,
                name=p.title,
            ),
        )
        for i, p in enumerate(body.items)
    ]
    return _import(caller, records)


# --- tenants ---
@operation(
    "GET",
    "/tenants",
    summary="List tenants",
    tag="tenants",
    query=s.TenantQuery,
    response=s.Page[s.TenantOut],
)
def list_tenants(caller: ApiCaller, query: s.TenantQuery) -> s.Page[s.TenantOut]:
    with container().uow(caller.portal_id) as uow:
        cards = uow.tenant_book.page(
            after=decode_cursor(query.cursor), limit=query.limit, search=query.search
        )
    return s.Page[s.TenantOut](
        items=[_tenant_out(c) for c in cards],
        next_cursor=encode_cursor(cards[-1].id if cards else None, len(cards), query.limit),
    )


@operation(
    "GET", "/tenants/<int:tenant_id>", summary="One tenant", tag="tenants", response=s.TenantOut
)
def get_tenant(caller: ApiCaller, tenant_id: int) -> s.TenantOut:
    with container().uow(caller.portal_id) as uow:
        return _tenant_out(uow.tenant_book.card(tenant_id))


@operation(
    "PATCH",
    "/tenants/<int:tenant_id>",
    summary="Set a tenant's «do not sync» flag",
    tag="tenants",
    scope="write",
    body=s.TenantPatch,
    response=s.TenantOut,
)
def patch_tenant(caller: ApiCaller, tenant_id: int, body: s.TenantPatch) -> s.TenantOut:
    with container().uow(caller.portal_id) as uow:
        uow.tenant_book.set_do_not_sync(tenant_id, body.do_not_sync)
        uow.commit()
        return _tenant_out(uow.tenant_book.card(tenant_id))


@operation(
    "POST",
    "/tenants",
    summary="Import tenants (seed 002 matching rules)",
    tag="tenants",
    scope="write",
    body=s.TenantBatch,
    response=s.ImportRunOut,
)
def post_tenants(caller: ApiCaller, body: s.TenantBatch) -> s.ImportRunOut:
    records = []
    for i, t in enumerate(body.items):
        try:
            phone = normalise_phone(t.phone)
        except InvalidPhone as exc:
            raise ApiProblem(
                422,
                "Invalid request",
                str(exc),
                [s.ProblemField(field=f"items[{i}].phone", message=str(exc))],
            ) from exc
        records.append(
            Located(
                f"items[{i}]",
                TenantRecord(
                    name=t.name,
                    external_id=t.external_id,
                    phone=phone,
                    kind=t.kind,
                    inn=t.inn,
                    kpp=t.kpp,
                    emails=tuple(t.emails),
                    address=t.address,
                    external_note=t.note,
                ),
            )
        )
    return _import(caller, records)


# --- personal accounts ---
@operation(
    "GET",
    "/accounts",
    summary="List personal accounts",
    tag="accounts",
    query=s.ListQuery,
    response=s.Page[s.AccountOut],
)
def list_accounts(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.AccountOut]:
    with container().uow(caller.portal_id) as uow:
        accounts = uow.estate.accounts_page(after=decode_cursor(query.cursor), limit=query.limit)
    return s.Page[s.AccountOut](
        items=[
            s.AccountOut(
                id=a.id or 0,
                number=a.number,
                premises=a.premises_external_id,
                tenant=a.tenant_external_id,
                external_id=a.external_id,
                hidden=a.hidden,
            )
            for a in accounts
        ],
        next_cursor=encode_cursor(
            accounts[-1].id if accounts else None, len(accounts), query.limit
        ),
    )


@operation(
    "POST",
    "/accounts",
    summary="Create or overwrite personal accounts",
    tag="accounts",
    scope="write",
    body=s.AccountBatch,
    response=s.ImportRunOut,
)
def post_accounts(caller: ApiCaller, body: s.AccountBatch) -> s.ImportRunOut:
    records = [
        Located(
            f"items[{i}]",
            PersonalAccount(
                number=a.number,
                premises_external_id=a.premises,
                tenant_external_id=a.tenant,
                external_id=a.external_id,
                hidden=a.hidden,
            ),
        )
        for i, a in enumerate(body.items)
    ]
    return _import(caller, records)


# --- imports ---
@operation(
    "GET",
    "/imports",
    summary="The import log",
    tag="imports",
    query=s.ListQuery,
    response=s.Page[s.ImportRunOut],
)
def list_imports(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.ImportRunOut]:
    before = decode_cursor(query.cursor) or None
    with container().uow(caller.portal_id) as uow:
        runs = uow.import_runs.recent(query.limit, before=before)
    return s.Page[s.ImportRunOut](
        items=[s.ImportRunOut(**r) for r in runs],
        next_cursor=encode_cursor(runs[-1]["id"] if runs else None, len(runs), query.limit),
    )


@operation(
    "GET",
    "/imports/settings",
    summary="Scheduled XML import settings",
    tag="imports",
    response=s.ImportSettingsOut,
)
def get_import_settings(caller: ApiCaller) -> s.ImportSettingsOut:
    with container().uow(caller.portal_id) as uow:
        settings = settings_of(uow.portals.get(caller.portal_id).settings)
    return s.ImportSettingsOut(**settings.as_dict(hide_secrets=True))


@operation(
    "PUT",
    "/imports/settings",
    summary="Change the scheduled XML import settings",
    tag="imports",
    scope="write",
    body=s.ImportSettingsIn,
    response=s.ImportSettingsOut,
)
def put_import_settings(caller: ApiCaller, body: s.ImportSettingsIn) -> s.ImportSettingsOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        saved = save_settings(uow, built.clock, body.model_dump())
        uow.commit()
    return s.ImportSettingsOut(**saved.as_dict(hide_secrets=True))


@operation(
    "POST",
    "/imports/run",
    summary="Run the scheduled import now",
    tag="imports",
    scope="write",
    response=s.Queued,
    status=202,
)
def run_import_now(caller: ApiCaller) -> s.Queued:
    container().send_task(IMPORT_TASK, caller.portal_id, "manual")
    return s.Queued(queued=True)


@operation(
    "POST",
    "/imports/xml",
    summary="Import an XML file (docs/import-xml.md)",
    tag="imports",
    scope="write",
    upload="application/xml",
    response=s.ImportRunOut,
)
def post_import_xml(caller: ApiCaller, data: bytes) -> s.ImportRunOut:
    return _import(caller, read_xml(io.BytesIO(data)), "xml", "api/v1 upload")


@operation(
    "POST",
    "/imports/excel",
    summary="Import a filled Excel template",
    tag="imports",
    scope="write",
    upload=XLSX,
    response=s.ImportRunOut,
)
def post_import_excel(caller: ApiCaller, data: bytes) -> s.ImportRunOut:
    return _import(caller, read_workbook(io.BytesIO(data)), "excel", "api/v1 upload")


@operation(
    "GET",
    "/imports/template.xlsx",
    summary="The Excel import template",
    tag="imports",
    download=XLSX,
)
def get_template(caller: ApiCaller) -> tuple[bytes, str]:
    out = io.BytesIO()
    write_template(out)
    return out.getvalue(), "rentflow-import-template.xlsx"


@operation(
    "GET",
    "/exports/premises.xlsx",
    summary="The premises list as Excel (filtered)",
    tag="premises",
    query=s.PremisesExportQuery,
    download=XLSX,
)
def export_premises(caller: ApiCaller, query: s.PremisesExportQuery) -> tuple[bytes, str]:
    where = PremisesFilter(query.building, query.floor, query.status, query.type)
    out = io.BytesIO()
    with container().uow(caller.portal_id) as uow:
        write_premises(all_premises(uow, where), out)
    return out.getvalue(), "premises.xlsx"


@operation(
    "GET",
    "/exports/tenants.xlsx",
    summary="The tenant list as Excel (filtered)",
    tag="tenants",
    query=s.TenantExportQuery,
    download=XLSX,
)
def export_tenants(caller: ApiCaller, query: s.TenantExportQuery) -> tuple[bytes, str]:
    out = io.BytesIO()
    with container().uow(caller.portal_id) as uow:
        write_tenants(all_tenants(uow, query.search), out)
    return out.getvalue(), "tenants.xlsx"


# --- landlords, leases, documents, payments, needs attention ---
@operation(
    "GET", "/landlords", summary="Landlord entities", tag="leases", response=s.Page[s.LandlordOut]
)
def list_landlords(caller: ApiCaller) -> s.Page[s.LandlordOut]:
    with container().uow(caller.portal_id) as uow:
        landlords = uow.parties.landlords()
    return s.Page[s.LandlordOut](
        items=[
            s.LandlordOut(
                id=e.id or 0,
                name=e.name,
                inn=e.inn,
                kpp=e.kpp,
                address=e.address,
                email=e.email,
                bank_name=e.bank.bank_name,
                bic=e.bank.bic,
                account=e.bank.account,
                vat_payer=e.vat_payer,
            )
            for e in landlords
        ]
    )


def _lease_out(lease: Lease) -> s.LeaseOut:
    return s.LeaseOut(
        id=lease.id or 0,
        number=lease.number,
        signed_on=lease.signed_on,
        status=lease.status.value,
        start=lease.start,
        end=lease.end,
        landlord=s.PartyRef(id=lease.landlord.id, name=lease.landlord.name, inn=lease.landlord.inn),
        tenant=s.PartyRef(id=lease.tenant.id, name=lease.tenant.name, inn=lease.tenant.inn),
        premises=[p.code for p in lease.premises],
        rent_amount=lease.rent.amount,
        rent_basis=lease.rent.basis.value,
        currency=lease.currency,
        total_area=lease.total_area,
    )


@operation(
    "GET",
    "/leases",
    summary="List leases",
    tag="leases",
    query=s.ListQuery,
    response=s.Page[s.LeaseOut],
)
def list_leases(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.LeaseOut]:
    with container().uow(caller.portal_id) as uow:
        ids = uow.pages.ids("leases", after=decode_cursor(query.cursor), limit=query.limit)
        leases = uow.leases.get_many(ids)
    return s.Page[s.LeaseOut](
        items=[_lease_out(leases[i]) for i in ids if i in leases],
        next_cursor=encode_cursor(ids[-1] if ids else None, len(ids), query.limit),
    )


@operation("GET", "/leases/<int:lease_id>", summary="One lease", tag="leases", response=s.LeaseOut)
def get_lease(caller: ApiCaller, lease_id: int) -> s.LeaseOut:
    with container().uow(caller.portal_id) as uow:
        return _lease_out(uow.leases.get(lease_id))


@operation(
    "POST",
    "/leases",
    summary="Create a lease from the lease JSON",
    tag="leases",
    scope="write",
    body=RAW_LEASE,
    response=s.LeaseCreated,
    status=201,
)
def post_lease(caller: ApiCaller, body: Any) -> s.LeaseCreated:
    lease, _issued = parse_lease(body)
    built = container()
    with built.uow(caller.portal_id) as uow:
        registered = register_lease(uow, built.clock, lease)
        uow.commit()
    return s.LeaseCreated(
        id=registered.lease_id,
        number=lease.number,
        landlord_id=registered.landlord_id,
        tenant_id=registered.tenant_id,
    )


def _document_out(doc: IssuedDocument, links: list[s.LinkOut]) -> s.DocumentOut:
    paid = doc.paid.amount if doc.paid is not None else Decimal(0)
    return s.DocumentOut(
        id=doc.id or 0,
        lease_id=doc.lease_id,
        kind=doc.kind.value,
        number=doc.number,
        issued_on=doc.issued_on,
        period_start=doc.period.start,
        period_end=doc.period.end,
        due_on=doc.due_on,
        total=doc.total.amount,
        paid=paid,
        currency=doc.total.currency,
        status=str(doc.status),
        links=links,
    )


@operation(
    "GET",
    "/documents",
    summary="Issued invoices and acts with their PDF links",
    tag="documents",
    query=s.ListQuery,
    response=s.Page[s.DocumentOut],
)
def list_documents(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.DocumentOut]:
    built = container()
    with built.uow(caller.portal_id) as uow:
        ids = uow.pages.ids("documents", after=decode_cursor(query.cursor), limit=query.limit)
        docs = uow.documents.get_many(ids)
        links = uow.links.for_documents(caller.portal_id, ids)
    items = [
        _document_out(
            docs[i],
            [
                s.LinkOut(role=link.role, url=built.link_url(link.token))
                for link in links.get(i, [])
                if link.revoked_at is None
            ],
        )
        for i in ids
        if i in docs
    ]
    return s.Page[s.DocumentOut](
        items=items, next_cursor=encode_cursor(ids[-1] if ids else None, len(ids), query.limit)
    )


@operation(
    "GET",
    "/payments",
    summary="Incoming payments and what is allocated of each",
    tag="payments",
    query=s.ListQuery,
    response=s.Page[s.PaymentOut],
)
def list_payments(caller: ApiCaller, query: s.ListQuery) -> s.Page[s.PaymentOut]:
    with container().uow(caller.portal_id) as uow:
        rows = uow.pages.payments(after=decode_cursor(query.cursor), limit=query.limit)
    items = [
        s.PaymentOut(
            id=p.id or 0,
            number=p.number,
            paid_on=p.paid_on,
            amount=p.amount.amount,
            allocated=allocated.amount,
            currency=p.amount.currency,
            payer_name=p.payer_name,
            payer_inn=p.payer_inn,
            purpose=p.purpose,
            source=p.source,
        )
        for p, allocated in rows
    ]
    last = rows[-1][0].id if rows else None
    return s.Page[s.PaymentOut](
        items=items, next_cursor=encode_cursor(last, len(rows), query.limit)
    )


@operation(
    "GET",
    "/needs-attention",
    summary="Everything that needs action today (seed 000)",
    tag="leases",
    response=s.AttentionList,
)
def needs_attention(caller: ApiCaller) -> s.AttentionList:
    built = container()
    with built.uow(caller.portal_id) as uow:
        items = find_attention(uow, built.clock.today())
    return s.AttentionList(
        items=[
            s.AttentionOut(
                rule=str(i.rule),
                lease_id=i.lease_id,
                document_id=i.document_id,
                payment_id=i.payment_id,
                detail=i.detail,
            )
            for i in items
        ]
    )
