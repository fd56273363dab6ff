"""Public API v1: landlords, leases (list, read, create from the lease JSON), documents with
their PDF links, payments and needs attention, read through the portal's repositories."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from backend.domain.documents import IssuedDocument
from backend.domain.lease import Addendum, Lease, Rent, RentBasis
from backend.domain.parties import BankRequisites, Premises, PremisesKind
from backend.onec.bank_statement import StatementError
from backend.services.api_keys import ApiCaller
from backend.services.attention import find_attention
from backend.services.lease_changes import add_lease_addendum, terminate_lease
from backend.services.lease_json import parse_lease
from backend.services.leases import register_lease
from backend.services.payments import import_statement
from backend.web.api_v1 import ledger_schemas as ls
from backend.web.api_v1 import schemas as s
from backend.web.api_v1.http import (
    RAW_LEASE,
    ApiProblem,
    decode_cursor,
    encode_cursor,
    operation,
)
from backend.web.deps import container


# --- landlords, leases, documents, payments, needs attention ---
@operation(
    "GET", "/landlords", summary="Landlord entities", tag="leases", response=s.Page[ls.LandlordOut]
)
def list_landlords(caller: ApiCaller) -> s.Page[ls.LandlordOut]:
    with container().uow(caller.portal_id) as uow:
        landlords = uow.parties.landlords()
    return s.Page[ls.LandlordOut](
        items=[
            ls.LandlordOut(
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
                accounts=[_account_out(a, a.same_account(e.bank)) for a in e.all_accounts],
            )
            for e in landlords
        ]
    )


def _account_out(account: BankRequisites, default: bool) -> ls.AccountOut:
    return ls.AccountOut(
        id=account.id or 0, label=account.label, bank_name=account.bank_name, bic=account.bic,
        corr_account=account.corr_account, account=account.account, default=default,
    )  # fmt: skip


def _lease_out(lease: Lease) -> ls.LeaseOut:
    return ls.LeaseOut(
        id=lease.id or 0,
        number=lease.number,
        signed_on=lease.signed_on,
        status=lease.status.value,
        start=lease.start,
        end=lease.end,
        landlord=ls.PartyRef(
            id=lease.landlord.id, name=lease.landlord.name, inn=lease.landlord.inn
        ),
        tenant=ls.PartyRef(id=lease.tenant.id, name=lease.tenant.name, inn=lease.tenant.inn),
        premises=[p.code for p in lease.premises],
        rent_amount=lease.rent.amount,
        rent_basis=lease.rent.basis.value,
        currency=lease.currency,
        total_area=lease.total_area,
        paid_to_account=lease.landlord.bank.account,
        effective_end=lease.effective_end(),
        addenda=[
            ls.AddendumOut(
                number=a.number, kind=a.kind.value, effective_from=a.effective_from,
                signed_on=a.signed_on, end=a.end,
                rent_amount=a.rent.amount if a.rent else None,
                rent_basis=a.rent.basis.value if a.rent else None,
            )
            for a in lease.addenda
        ],
    )  # fmt: skip


@operation(
    "GET",
    "/leases",
    summary="List leases",
    tag="leases",
    query=s.LeaseQuery,
    response=s.Page[ls.LeaseOut],
)
def list_leases(caller: ApiCaller, query: s.LeaseQuery) -> s.Page[ls.LeaseOut]:
    where = {"status": query.status, "tenant_id": query.tenant_id, "landlord_id": query.landlord_id}
    with container().uow(caller.portal_id) as uow:
        ids = uow.pages.ids(
            "leases", after=decode_cursor(query.cursor), limit=query.limit, where=where
        )
        leases = uow.leases.get_many(ids)
    return s.Page[ls.LeaseOut](
        items=[_lease_out(leases[i]) for i in ids if i in leases],
        next_cursor=encode_cursor(ids[-1] if ids else None, len(ids), query.limit),
    )


@operation("GET", "/leases/<int:lease_id>", summary="One lease", tag="leases", response=ls.LeaseOut)
def get_lease(caller: ApiCaller, lease_id: int) -> ls.LeaseOut:
    with container().uow(caller.portal_id) as uow:
        return _lease_out(uow.leases.get(lease_id))


@operation(
    "POST",
    "/leases",
    summary="Create a lease from the lease JSON",
    tag="leases",
    scope="write",
    body=RAW_LEASE,
    response=ls.LeaseCreated,
    status=201,
)
def post_lease(caller: ApiCaller, body: Any) -> ls.LeaseCreated:
    lease, _issued = parse_lease(body)
    built = container()
    with built.uow(caller.portal_id) as uow:
        registered = register_lease(uow, built.clock, lease)
        uow.commit()
    return ls.LeaseCreated(
        id=registered.lease_id,
        number=lease.number,
        landlord_id=registered.landlord_id,
        tenant_id=registered.tenant_id,
    )


@operation(
    "POST", "/leases/<int:lease_id>/addenda", summary="Add an addendum (доп. соглашение)",
    tag="leases", scope="write", body=ls.AddendumIn, response=ls.LeaseOut, status=201,
)  # fmt: skip
def post_addendum(caller: ApiCaller, lease_id: int, body: ls.AddendumIn) -> ls.LeaseOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        lease = uow.leases.get(lease_id)
        addendum = Addendum(
            number=body.number, effective_from=body.effective_from, signed_on=body.signed_on,
            rent=Rent(body.rent.amount, RentBasis(body.rent.basis), lease.currency)
            if body.rent else None,
            premises=tuple(
                Premises(code=p.code, area_m2=p.area_m2, kind=PremisesKind(p.kind), name=p.name,
                         floor=p.floor, building=p.building)
                for p in body.premises
            ) if body.premises is not None else None,
            end=body.end, reminder_days=body.reminder_days,
        )  # fmt: skip
        changed = add_lease_addendum(uow, built.clock, lease_id, addendum)
        uow.commit()
    return _lease_out(changed)


@operation(
    "POST", "/leases/<int:lease_id>/terminate", summary="Terminate a signed lease",
    tag="leases", scope="write", response=ls.LeaseOut,
)  # fmt: skip
def post_terminate(caller: ApiCaller, lease_id: int) -> ls.LeaseOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        lease = terminate_lease(uow, built.clock, lease_id)
        uow.commit()
    return _lease_out(lease)


def _document_out(doc: IssuedDocument, links: list[ls.LinkOut]) -> ls.DocumentOut:
    paid = doc.paid.amount if doc.paid is not None else Decimal(0)
    return ls.DocumentOut(
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
    query=s.DocumentQuery,
    response=s.Page[ls.DocumentOut],
)
def list_documents(caller: ApiCaller, query: s.DocumentQuery) -> s.Page[ls.DocumentOut]:
    built = container()
    where = {"kind": query.kind, "status": query.status, "lease_id": query.lease_id}
    with built.uow(caller.portal_id) as uow:
        ids = uow.pages.ids(
            "documents", after=decode_cursor(query.cursor), limit=query.limit, where=where
        )
        docs = uow.documents.get_many(ids)
        links = uow.links.for_documents(caller.portal_id, ids)
    items = [
        _document_out(
            docs[i],
            [
                ls.LinkOut(role=link.role, url=built.link_url(link.token))
                for link in links.get(i, [])
                if link.revoked_at is None
            ],
        )
        for i in ids
        if i in docs
    ]
    return s.Page[ls.DocumentOut](
        items=items, next_cursor=encode_cursor(ids[-1] if ids else None, len(ids), query.limit)
    )


@operation(
    "GET",
    "/payments",
    summary="Incoming payments and what is allocated of each",
    tag="payments",
    query=s.PaymentQuery,
    response=s.Page[ls.PaymentOut],
)
def list_payments(caller: ApiCaller, query: s.PaymentQuery) -> s.Page[ls.PaymentOut]:
    with container().uow(caller.portal_id) as uow:
        rows = uow.pages.payments(
            after=decode_cursor(query.cursor),
            limit=query.limit,
            paid_from=query.paid_from,
            paid_to=query.paid_to,
        )
    items = [
        ls.PaymentOut(
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
    return s.Page[ls.PaymentOut](
        items=items, next_cursor=encode_cursor(last, len(rows), query.limit)
    )


@operation(
    "POST", "/payments/statement", summary="Import a 1CClientBankExchange bank statement",
    tag="payments", scope="write", upload="text/plain", response=ls.StatementOut,
)  # fmt: skip
def post_statement(caller: ApiCaller, data: bytes) -> ls.StatementOut:
    built = container()
    with built.uow(caller.portal_id) as uow:
        try:
            summary = import_statement(
                uow, built.clock, io.BytesIO(data), queue=built.queue_lease_event,
                news_queue=built.queue_payment_news,
                max_bytes=built.settings.statement_max_mb * 1024 * 1024,
            )  # fmt: skip
        except StatementError as exc:
            raise ApiProblem(422, "Not a bank statement", str(exc)) from exc
        uow.commit()
    return ls.StatementOut(**summary.as_dict())


@operation(
    "GET",
    "/needs-attention",
    summary="Everything that needs action today (seed 000)",
    tag="leases",
    response=ls.AttentionList,
)
def needs_attention(caller: ApiCaller) -> ls.AttentionList:
    built = container()
    with built.uow(caller.portal_id) as uow:
        items = find_attention(uow, built.clock.today())
    return ls.AttentionList(
        items=[
            ls.AttentionOut(
                rule=str(i.rule),
                lease_id=i.lease_id,
                document_id=i.document_id,
                payment_id=i.payment_id,
                detail=i.detail,
            )
            for i in items
        ]
    )
