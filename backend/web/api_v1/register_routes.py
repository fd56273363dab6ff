"""Public API v1: premises, tenants and personal accounts. Batches go through the same
import service and matching rules as the XML and Excel channels; the caller's portal is the
one its API key belongs to, so another portal's ids are not found (404)."""

from __future__ import annotations

from collections.abc import Iterable

from backend.domain.bulk import Located
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
from backend.services.imports import import_records
from backend.web.api_v1 import schemas as s
from backend.web.api_v1.http import (
    ApiProblem,
    decode_cursor,
    encode_cursor,
    operation,
)
from backend.web.deps import container


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


def import_batch(
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
    return import_batch(caller, records)


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
    return import_batch(caller, records)


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
    return import_batch(caller, records)
