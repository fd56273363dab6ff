"""The JSON input of ``rentflow documents render`` (schema: documents/input.schema.json,
also at docs/documents-input.schema.json) turned into domain objects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib.resources import files
from typing import Any, cast

import jsonschema

from backend.domain.billing import BillingPeriod, DocumentKind, DocumentLine
from backend.domain.documents import IssuedDocument
from backend.domain.errors import InvalidLease
from backend.domain.lease import Lease, Rent, VatMode
from backend.domain.money import Money, money_sum
from backend.domain.parties import BankRequisites, LandlordEntity, Person, Premises, Tenant
from documents.errors import InvalidDocumentData
from documents.labels import rent_line_text
from documents.qr.gost import GostEncoding


@dataclass(frozen=True)
class RenderRequest:
    """Everything one preview renders: the lease, its invoice and (optionally) its act."""

    lease: Lease
    invoice: IssuedDocument
    act: IssuedDocument | None
    language: str
    qr_encoding: GostEncoding
    template_key: str
    tenant_signatory: Person | None


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the input, shipped with the package."""
    text = files("documents").joinpath("input.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _validate(data: object) -> dict[str, Any]:
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = ".".join(str(part) for part in first.absolute_path) or "input"
        raise InvalidDocumentData(where, first.message)
    return cast(dict[str, Any], data)  # the schema's root is an object


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidDocumentData(field, f"is not a date: {value!r}") from error


def _person(data: dict[str, Any] | None) -> Person | None:
    return Person(name=data["name"], position=data.get("position", "")) if data else None


def _landlord(data: dict[str, Any]) -> LandlordEntity:
    bank = data["bank"]
    return LandlordEntity(
        name=data["name"],
        inn=data["inn"],
        kpp=data.get("kpp", ""),
        ogrn=data.get("ogrn", ""),
        address=data.get("address", ""),
        bank=BankRequisites(
            bank_name=bank["bank_name"],
            bic=bank["bic"],
            account=bank["account"],
            corr_account=bank.get("corr_account", ""),
        ),
        director=_person(data.get("director")) or Person(name=""),
        accountant=_person(data.get("accountant")) or Person(name=""),
    )


def _lines(
    data: list[dict[str, Any]], period: BillingPeriod, vat: VatMode, currency: str, lang: str
) -> tuple[DocumentLine, ...]:
    lines = []
    for index, row in enumerate(data):
        price = Money(Decimal(row["price"]), currency)
        if not price.is_positive():
            raise InvalidDocumentData(f"lines.{index}.price", "must be positive")
        quantity = int(row.get("quantity", 1))
        amount = price.times(quantity)
        code = row.get("premises", "")
        description = row.get("description") or rent_line_text(code, period, lang)
        _net, line_vat, _gross = vat.split(amount)
        lines.append(
            DocumentLine(
                description=description,
                period=period,
                quantity=quantity,
                unit=row.get("unit", "мес." if lang == "ru" else "month"),
                price=price,
                amount=amount,
                vat=line_vat,
                premises_code=code,
            )
        )
    return tuple(lines)


def _document(
    kind: DocumentKind,
    data: dict[str, Any],
    field: str,
    period: BillingPeriod,
    lines: tuple[DocumentLine, ...],
    vat: VatMode,
) -> IssuedDocument:
    parts = [vat.split(line.amount) for line in lines]
    currency = lines[0].amount.currency
    return IssuedDocument(
        lease_id=0,
        kind=kind,
        number=data["number"],
        issued_on=_day(data["date"], f"{field}.date"),
        period=period,
        lines=lines,
        net=money_sum([net for net, _, _ in parts], currency),
        vat=money_sum([v for _, v, _ in parts], currency),
        total=money_sum([gross for _, _, gross in parts], currency),
        due_on=_day(data["due_on"], f"{field}.due_on") if "due_on" in data else None,
        extra={"purpose": data["purpose"]} if "purpose" in data else {},
    )


def parse_request(data: object) -> RenderRequest:
    """Validate ``data`` against the schema and build the domain objects it describes."""
    data = _validate(data)
    lang = data.get("language", "ru")
    currency = data.get("currency", "RUB")
    start = _day(data["period"]["start"], "period.start")
    end = _day(data["period"]["end"], "period.end")
    if end < start:
        raise InvalidDocumentData("period.end", f"{end} is before the start {start}")
    period = BillingPeriod(start, end)
    lease_data = data["lease"]
    rate = lease_data.get("vat_rate")
    vat = VatMode(Decimal(rate) if rate is not None else None, lease_data.get("vat_included", True))
    lines = _lines(data["lines"], period, vat, currency, lang)
    tenant_data = data["tenant"]
    try:
        lease = Lease(
            number=lease_data["number"],
            signed_on=_day(lease_data["signed_on"], "lease.signed_on"),
            landlord=_landlord(data["landlord"]),
            tenant=Tenant(
                name=tenant_data["name"],
                inn=tenant_data.get("inn", ""),
                kpp=tenant_data.get("kpp", ""),
                address=tenant_data.get("address", ""),
            ),
            premises=tuple(Premises(code=line.premises_code) for line in lines),
            start=start,
            end=end,
            rent=Rent(lines[0].price.amount, currency=currency),
            vat=vat,
        )
    except InvalidLease as error:
        raise InvalidDocumentData(f"lease.{error.field}", error.reason) from error
    return RenderRequest(
        lease=lease,
        invoice=_document(DocumentKind.INVOICE, data["invoice"], "invoice", period, lines, vat),
        act=(
            _document(DocumentKind.ACT, data["act"], "act", period, lines, vat)
            if "act" in data
            else None
        ),
        language=lang,
        qr_encoding=GostEncoding(data.get("qr_encoding", "utf-8")),
        template_key=data.get("template_key", ""),
        tenant_signatory=_person(tenant_data.get("signatory")),
    )
