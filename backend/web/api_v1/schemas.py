"""Request and answer models of the public API v1 (pydantic v2). The endpoints validate with
these models and ``openapi.json`` is generated from the same models, so the document cannot
drift from what the API accepts. Money and areas are exact decimals written as strings;
dates are ISO 8601. The ledger's models (leases, documents, payments) are in
``ledger_schemas``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from backend.domain.quantities import AREA, MONEY

# exact decimals: accepted as a JSON string or number, always answered as a string
Dec = Annotated[Decimal, PlainSerializer(lambda v: f"{v}", return_type=str, when_used="json")]
# what a request may carry: finite, within the bounds every form has (backend.domain.quantities)
Amount = Annotated[
    Dec, Field(ge=0, max_digits=MONEY.digits + MONEY.places, decimal_places=MONEY.places)
]
Area = Annotated[Dec, Field(ge=0, max_digits=AREA.digits + AREA.places, decimal_places=AREA.places)]
Text = Annotated[str, Field(max_length=4000)]
Short = Annotated[str, Field(max_length=255)]

T = TypeVar("T")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    """A page of a list; pass ``next_cursor`` as ``cursor`` for the next one (null: the end)."""

    items: list[T]
    next_cursor: str | None = None


class ListQuery(Strict):
    cursor: str | None = Field(None, description="next_cursor of the previous page")
    limit: int = Field(100, ge=1, le=500)


class PremisesQuery(ListQuery):
    building: Short = ""
    floor: Short = ""
    status: Literal["", "vacant", "booked", "rented"] = Field("", description="as leases make it")
    type: Literal["", "office", "warehouse", "retail", "service", "other"] = ""


class LeaseQuery(ListQuery):
    status: Literal[
        "", "draft", "booked", "on_signing", "signed", "registered", "terminated", "cancelled"
    ] = ""
    tenant_id: int | None = None
    landlord_id: int | None = None


class DocumentQuery(ListQuery):
    kind: Literal["", "invoice", "act"] = ""
    status: Short = Field("", description="issued, partially_paid, paid, cancelled, ...")
    lease_id: int | None = None


class PaymentQuery(ListQuery):
    paid_from: date | None = None
    paid_to: date | None = None


class PremisesExportQuery(Strict):
    building: Short = ""
    floor: Short = ""
    status: Literal["", "vacant", "booked", "rented"] = ""
    type: Literal["", "office", "warehouse", "retail", "service", "other"] = ""


class TenantExportQuery(Strict):
    search: Short = Field("", description="part of the name, the INN, or phone digits")


class TenantQuery(ListQuery):
    search: Short = Field("", description="part of the name, the INN, or phone digits")


class PremisesIn(Strict):
    """A premises to create or overwrite: found by external_id, else building + number."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"external_id": "P-101", "building": "БЦ Север", "section": "A", "floor": "1",
                 "number": "101", "type": "office", "area": "50.00", "price_per_m2": "1500.00",
                 "status": "vacant", "publish": True}
            ]
        },
    )  # fmt: skip

    external_id: Short = ""
    building: Short = Field(min_length=1)
    section: Short = ""
    floor: Short = ""
    number: Short = Field(min_length=1)
    title: Short = ""
    type: Literal["office", "warehouse", "retail", "service", "other"] = "office"
    area: Area = Field(gt=0)
    price_per_m2: Amount | None = None
    status: Literal["vacant", "booked", "rented"] = Field(
        "vacant", description="counts while no lease names the premises; then its leases decide"
    )
    publish: bool = True
    description: Text = ""


class PremisesOut(BaseModel):
    id: int
    external_id: str
    building: str
    section: str
    floor: str
    number: str
    type: str
    area: Dec
    price_per_m2: Dec | None
    monthly_rent: Dec | None
    status: str = Field(
        description="vacant, booked (a lease booked or on signing) or rented (signed or "
        "registered); the stored status only for premises no lease names"
    )
    publish: bool
    description: str


class ExternalIdOut(BaseModel):
    value: str
    note: str


class TenantIn(Strict):
    """A tenant, matched by seed 002's rules: external id and phone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"external_id": "1C-0001", "name": "ООО «Альфа»", "kind": "legal_entity",
                 "inn": "7701234567", "kpp": "770101001", "phone": "+7 (912) 345-67-89",
                 "emails": ["buh@alfa.example"], "note": "из 1С"}
            ]
        },
    )  # fmt: skip

    external_id: Short = ""
    name: Short = Field(min_length=1)
    kind: Literal["legal_entity", "sole_trader", "person"] = "legal_entity"
    inn: Annotated[str, Field(pattern=r"^(\d{10}|\d{12})?$")] = ""
    kpp: Annotated[str, Field(pattern=r"^(\d{9})?$")] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    emails: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = []
    address: Text = ""
    note: Text = Field("", description="a note to the external id (where it comes from)")


class TenantOut(BaseModel):
    id: int
    name: str
    kind: str
    inn: str
    kpp: str
    phone: str
    emails: list[str]
    address: str
    external_ids: list[ExternalIdOut]
    do_not_sync: bool


class TenantPatch(Strict):
    do_not_sync: bool


class AccountIn(Strict):
    """A personal account (лицевой счёт); premises and tenant by external id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"number": "ЛС-0001", "premises": "P-101", "tenant": "1C-0001"}]
        },
    )

    number: Short = Field(min_length=1)
    premises: Short = ""
    tenant: Short = ""
    external_id: Short = ""
    hidden: bool = False


class AccountOut(BaseModel):
    id: int
    number: str
    premises: str
    tenant: str
    external_id: str
    hidden: bool


class PremisesBatch(Strict):
    items: list[PremisesIn] = Field(min_length=1, max_length=1000)


class TenantBatch(Strict):
    items: list[TenantIn] = Field(min_length=1, max_length=1000)


class AccountBatch(Strict):
    items: list[AccountIn] = Field(min_length=1, max_length=1000)


class ImportRunOut(BaseModel):
    """One import run: what it did, its warnings and, when it stopped, the record and why."""

    id: int
    channel: str
    source: str
    trigger: str
    status: str
    counts: dict[str, int]
    warnings: list[str]
    error: str
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ImportSettingsIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"sources": ["https://files.example/offers.xml"], "schedule": "0 3 * * *",
                 "delete_after_read": False, "report_to": ["ops@landlord.example"]}
            ]
        },
    )  # fmt: skip

    sources: list[Annotated[str, Field(max_length=2000)]] = []
    schedule: Short = Field("", description="cron: minute hour day month weekday (UTC)")
    delete_after_read: bool = False
    report_to: list[Short] = []
    enabled: bool = True


class ImportSettingsOut(BaseModel):
    sources: list[str]
    schedule: str
    delete_after_read: bool
    report_to: list[str]
    enabled: bool
    saved_at: str


class Queued(BaseModel):
    queued: bool


class ProblemField(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``errors`` names each field that is wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[ProblemField] = []
    run_id: int | None = None


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as JSON-ready data (decimals as strings, dates ISO)."""
    return model.model_dump(mode="json")
