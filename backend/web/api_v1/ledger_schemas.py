"""The public API v1's models of the ledger: landlords, leases and their addenda, documents,
payments, bank statements, what needs attention; made of the fields in ``schemas``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.web.api_v1.schemas import Amount, Area, Dec, Short, Strict


class AccountOut(BaseModel):
    """One settlement account of a landlord (расчётный счёт)."""

    id: int
    label: str = Field(description='how the landlord tells its accounts apart: "Для депозитов"')
    bank_name: str
    bic: str
    corr_account: str
    account: str
    default: bool = Field(description="the account invoices print unless a lease names another")


class LandlordOut(BaseModel):
    id: int
    name: str
    inn: str
    kpp: str
    address: str
    email: str
    bank_name: str = Field(description="the default account's bank (as before several accounts)")
    bic: str = Field(description="the default account's БИК (as before several accounts)")
    account: str = Field(description="the default account (as before several accounts)")
    vat_payer: bool
    accounts: list[AccountOut] = Field(description="every account, the default among them")


class PartyRef(BaseModel):
    id: int | None
    name: str
    inn: str


class AddendumOut(BaseModel):
    number: str = Field(description="empty for a termination, which has no number of its own")
    kind: Literal["terms", "termination"]
    effective_from: date
    signed_on: date | None
    end: date | None = Field(description="the new end of term; a termination's last day")
    rent_amount: Dec | None = Field(description="the new rent, if the addendum changes it")
    rent_basis: str | None


class LeaseOut(BaseModel):
    id: int
    number: str
    signed_on: date
    status: str
    start: date
    end: date
    landlord: PartyRef
    tenant: PartyRef
    premises: list[str]
    rent_amount: Dec
    rent_basis: str
    currency: str
    total_area: Dec
    paid_to_account: str = Field(
        default="", description="the landlord's settlement account the lease's invoices print"
    )
    effective_end: date | None = Field(
        default=None, description="the end of term the addenda set (``end`` is the one signed)"
    )
    addenda: list[AddendumOut] = Field(default_factory=list)


class RentIn(Strict):
    amount: Amount
    basis: Literal["per_month", "per_m2_month", "per_m2_year"] = "per_month"


class LeasePremisesIn(Strict):
    code: Short = Field(min_length=1)
    area_m2: Area = Decimal(0)
    kind: Literal["office", "warehouse", "retail", "service", "other"] = "office"
    name: Short = ""
    floor: Short = ""
    building: Short = ""


class AddendumIn(Strict):
    """An addendum (доп. соглашение): from ``effective_from`` it changes the rent, the
    premises and/or the end date."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"number": "ДС-1", "effective_from": "2026-07-01", "signed_on": "2026-06-20",
                 "rent": {"amount": "120000.00", "basis": "per_month"}}
            ]
        },
    )  # fmt: skip

    number: Short = Field(min_length=1)
    effective_from: date
    signed_on: date | None = None
    rent: RentIn | None = None
    premises: list[LeasePremisesIn] | None = None
    end: date | None = None
    reminder_days: int = Field(0, ge=0, le=366)


class LeaseCreated(BaseModel):
    id: int
    number: str
    landlord_id: int
    tenant_id: int


class LinkOut(BaseModel):
    role: str
    url: str


class DocumentOut(BaseModel):
    id: int
    lease_id: int
    kind: str
    number: str
    issued_on: date
    period_start: date
    period_end: date
    due_on: date | None
    total: Dec
    paid: Dec
    currency: str
    status: str
    links: list[LinkOut]


class PaymentOut(BaseModel):
    id: int
    number: str
    paid_on: date
    amount: Dec
    allocated: Dec
    currency: str
    payer_name: str
    payer_inn: str
    purpose: str
    source: str


class StatementOut(BaseModel):
    """What a bank statement import did (the same summary ``rentflow payments import`` prints)."""

    encoding: str
    documents: int
    incoming: int
    added: int
    duplicates: int
    not_ours: int
    matched: int
    to_review: int
    allocated: str
    advances: str
    invoices_paid: list[str]
    invoices_partially_paid: list[str]
    deal_moves_queued: list[str]
    warnings: list[str]
    errors: list[str]


class AttentionOut(BaseModel):
    rule: str
    lease_id: int | None
    document_id: int | None
    payment_id: int | None
    detail: str


class AttentionList(BaseModel):
    items: list[AttentionOut]
