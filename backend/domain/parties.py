"""Parties of a lease: the landlord entity (исполнитель), the tenant (заказчик), people."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True)
class BankRequisites:
    """A settlement account: bank name, БИК (BIC), корр. счёт and расчётный счёт; ``label``
    is how the landlord tells its accounts apart ("Для депозитов"), ``id`` the stored one's."""

    bank_name: str
    bic: str
    account: str
    corr_account: str = ""
    label: str = ""
    id: int | None = None

    def same_account(self, other: BankRequisites) -> bool:
        """Whether both name one account (its bank and number), whatever their labels."""
        return (self.bic, self.account) == (other.bic, other.account)


@dataclass(frozen=True)
class Person:
    """Someone rentflow writes to: a manager, supervisor or accountant."""

    name: str
    email: str = ""
    crm_user_id: str = ""
    position: str = ""


@dataclass(frozen=True)
class LandlordEntity:
    """The landlord company issuing documents — исполнитель (поставщик). ``bank`` is the
    account its documents print: the landlord's default, or in a lease the account that lease
    is paid to; ``accounts`` every account of the landlord in the order it lists them (empty
    where only ``bank`` is known, as from the single-account JSON)."""

    name: str
    inn: str
    bank: BankRequisites
    kpp: str = ""
    ogrn: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    director: Person = field(default_factory=lambda: Person(name=""))
    accountant: Person = field(default_factory=lambda: Person(name=""))
    vat_payer: bool = True
    id: int | None = None
    accounts: tuple[BankRequisites, ...] = ()

    @property
    def all_accounts(self) -> tuple[BankRequisites, ...]:
        """Every account of the landlord: ``accounts``, or ``bank`` alone when that is all."""
        return self.accounts or (self.bank,)


class TenantKind(StrEnum):
    """Legal form of the tenant."""

    LEGAL_ENTITY = "legal_entity"  # юридическое лицо
    SOLE_TRADER = "sole_trader"  # индивидуальный предприниматель
    PERSON = "person"  # физическое лицо


@dataclass(frozen=True)
class Tenant:
    """The tenant — заказчик (покупатель); ``emails`` is the list documents go to;
    ``language`` the one its people read the cabinet in (``ru``, ``uk``, ``en``; "" until
    someone signs in), which its messages speak."""

    name: str
    kind: TenantKind = TenantKind.LEGAL_ENTITY
    inn: str = ""
    kpp: str = ""
    address: str = ""
    emails: tuple[str, ...] = ()
    phone: str = ""
    id: int | None = None
    language: str = ""


class PremisesKind(StrEnum):
    OFFICE = "office"
    WAREHOUSE = "warehouse"
    RETAIL = "retail"
    SERVICE = "service"  # corridors, WCs: service rooms (seed 000)
    OTHER = "other"


@dataclass(frozen=True)
class Premises:
    """A rented room or area; ``code`` is how documents name it ("101")."""

    code: str
    area_m2: Decimal = Decimal(0)
    kind: PremisesKind = PremisesKind.OFFICE
    name: str = ""
    floor: str = ""
    building: str = ""
    id: int | None = None
