"""The demo's landlord, its three tenants and how each of them pays.

Requisites are real-shaped and valid (INN/KPP check digits, Sberbank's BIC and correspondent
account), so the QR invoices are ones a bank app would accept. One tenant pays every invoice
in full before its due date; one pays half of each, so the overdue chain runs to its end
(manager, supervisor, accountant) and the penalty (пени) keeps growing; one pays in full five
days late, after the supervisor was told and before the accountant would be: the chain stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sandbox.onec.bank_files import PAYERS as BANK_PAYERS

ACCOUNTANT_EMAIL = "buh@romashka.example"
LANDLORD: dict[str, Any] = {
    "name": 'ООО "Ромашка"',
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "address": "г. Москва, ул. Вавилова, д. 19",
    "email": "rent@romashka.example",
    "bank": {
        "name": "ПАО СБЕРБАНК",
        "bic": "044525225",
        "account": "40702810938000000001",
        "corr_account": "30101810400000000225",
    },
    "director": {"name": "Иванов Иван Иванович", "position": "Генеральный директор"},
    "accountant": {
        "name": "Петрова Анна Сергеевна",
        "position": "Главный бухгалтер",
        "email": ACCOUNTANT_EMAIL,
    },
}
SUPERVISOR = {"name": "Кузнецова Ольга", "email": "boss@romashka.example", "crm_user_id": "1"}
PENALTY_RATE = "0.1"  # % of the unpaid amount per day
LATE_DAYS = 5  # between the supervisor's step (+3) and the accountant's (+7) of the default chain


class Behaviour(StrEnum):
    """How a tenant pays its invoices."""

    ON_TIME = "on_time"  # in full, two days before the due date
    PARTIAL = "partial"  # half, on the due date; the rest stays owed
    LATE = "late"  # in full, LATE_DAYS after the due date


@dataclass(frozen=True)
class Payer:
    """A tenant with its bank account (``sandbox.onec.bank_files.PAYERS``) and its way of
    paying."""

    name: str
    inn: str
    account: str
    bank: str
    bic: str
    kpp: str
    email: str
    premises: str
    area: str
    rent: str
    behaviour: Behaviour

    def payment(self, due_on: date, total: Decimal) -> tuple[date, Decimal]:
        """When this tenant pays an invoice due ``due_on`` for ``total``, and how much."""
        if self.behaviour is Behaviour.ON_TIME:
            return due_on - timedelta(days=2), total
        if self.behaviour is Behaviour.PARTIAL:
            return due_on, (total / 2).quantize(Decimal("0.01"))
        return due_on + timedelta(days=LATE_DAYS), total


# the payers the 1C statement generator knows: Василёк, Крокус, Ландыш
PAYERS = (
    Payer(*BANK_PAYERS[0], "772801001", "buh@vasilek.example", "101", "50.00", "100000.00",
          Behaviour.ON_TIME),
    Payer(*BANK_PAYERS[1], "771901001", "finance@krokus.example", "204", "80.00", "150000.00",
          Behaviour.PARTIAL),
    Payer(*BANK_PAYERS[3], "770201001", "office@landysh.example", "7", "120.00", "85000.00",
          Behaviour.LATE),
)  # fmt: skip


@dataclass
class DemoLease:
    """A lease the demo made: where it lives and who pays it."""

    crm: str
    portal_id: int
    deal_id: str
    lease_id: int
    number: str
    payer: Payer
    terms: dict[str, Any]
    payments: list[dict[str, Any]] = field(default_factory=list)


def lease_json(payer: Payer, number: str, start: date, manager: dict[str, str]) -> dict[str, Any]:
    """The lease of ``payer`` in the documented lease JSON (docs/lease-input.md): monthly rent
    with VAT 22% included, invoiced on the 1st, due five days later, sent automatically."""
    return {
        "number": number,
        "date": (start - timedelta(days=12)).isoformat(),
        "status": "draft",
        "landlord": LANDLORD,
        "tenant": {
            "name": payer.name,
            "inn": payer.inn,
            "kpp": payer.kpp,
            "address": "г. Москва",
            "emails": [payer.email],
        },
        "premises": [{"code": payer.premises, "area_m2": payer.area, "kind": "office"}],
        "start": start.isoformat(),
        "end": date(start.year, 12, 31).isoformat(),
        "rent": {"amount": payer.rent, "basis": "per_month"},
        "vat": {"rate": 22, "included": True},
        "billing": {"unit": "month", "every": 1},
        "issue": {"anchor": "before_start", "days": 0},
        "due": {"anchor": "after_issue", "days": 5},
        "auto_send": True,
        "penalty_rate_per_day": PENALTY_RATE,
        "manager": manager,
        "supervisor": SUPERVISOR,
    }
