"""Builders of realistic domain objects for tests (valid requisites, Russian names)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from backend.domain.lease import (
    BillingFrequency,
    DueAnchor,
    DueRule,
    IssueAnchor,
    IssueRule,
    Lease,
    PeriodUnit,
    Rent,
    RentBasis,
    VatMode,
)
from backend.domain.parties import (
    BankRequisites,
    LandlordEntity,
    Person,
    Premises,
    PremisesKind,
    Tenant,
    TenantKind,
)

# Sberbank's published requisites and INNs with valid check digits.
SBER = BankRequisites(
    bank_name="ПАО СБЕРБАНК",
    bic="044525225",
    account="40702810938000000001",
    corr_account="30101810400000000225",
)
# a second account of the same landlord: Альфа-Банк's БИК, a number whose control key fits it
ALFA = BankRequisites(
    bank_name='АО "АЛЬФА-БАНК"',
    bic="044525593",
    account="40702810800000000001",
    corr_account="30101810200000000593",
    label="Для депозитов",
)


def landlord(**overrides: Any) -> LandlordEntity:
    base = LandlordEntity(
        name='ООО "Ромашка"',
        inn="7707083893",
        kpp="773601001",
        ogrn="1027700132195",
        address="г. Москва, ул. Вавилова, д. 19",
        email="rent@romashka.example",
        bank=SBER,
        director=Person(name="Иванов Иван Иванович", position="Генеральный директор"),
        accountant=Person(name="Петрова Анна Сергеевна", position="Главный бухгалтер"),
    )
    return replace(base, **overrides)


def tenant(**overrides: Any) -> Tenant:
    base = Tenant(
        name='ООО "Василёк"',
        kind=TenantKind.LEGAL_ENTITY,
        inn="7728168971",
        kpp="772801001",
        address="г. Москва, ул. Профсоюзная, д. 1",
        emails=("buh@vasilek.example", "director@vasilek.example"),
    )
    return replace(base, **overrides)


def premises(code: str = "101", area: str = "50.00", **overrides: Any) -> Premises:
    return replace(
        Premises(code=code, area_m2=Decimal(area), kind=PremisesKind.OFFICE), **overrides
    )


def lease(**overrides: Any) -> Lease:
    values: dict[str, Any] = {
        "number": "А-15/2026",
        "signed_on": date(2026, 1, 15),
        "landlord": landlord(),
        "tenant": tenant(),
        "premises": (premises(),),
        "start": date(2026, 2, 1),
        "end": date(2026, 12, 31),
        "rent": Rent(Decimal("100000.00"), RentBasis.PER_MONTH),
        "vat": VatMode(Decimal(22), included=True),
        "billing": BillingFrequency(PeriodUnit.MONTH),
        "issue_rule": IssueRule(IssueAnchor.BEFORE_START, 5),
        "due_rule": DueRule(DueAnchor.AFTER_ISSUE, 5),
        "manager": Person(name="Сидоров Пётр", email="manager@romashka.example", crm_user_id="7"),
        "supervisor": Person(
            name="Кузнецова Ольга", email="boss@romashka.example", crm_user_id="1"
        ),
    }
    values.update(overrides)
    return Lease(**values)
