"""Premises as the landlord's register holds them (помещения), and personal accounts
(лицевые счета), as every import channel and the public API carry them (seed 002).

``parties.Premises`` is the slice of a premises a lease and its documents need; a
``PremisesCard`` is the whole register entry: where it is (building, section, floor, number),
what it is (kind, area), what it costs (price per m² a month) and whether it is free.

Whether it is free follows its leases once a lease names it (``status_from_leases``); the
register's own status (typed, imported, sent through the API) speaks only for premises no
lease has ever named — let under a contract kept outside rentflow, for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from backend.domain.errors import DomainError
from backend.domain.lease import LeaseStatus
from backend.domain.parties import PremisesKind


class PremisesStatus(StrEnum):
    VACANT = "vacant"  # свободно
    BOOKED = "booked"  # забронировано
    RENTED = "rented"  # сдано


# what a lease in each stored status makes of its premises; a draft is not yet a booking
# (бронь is the step after it, seed 000), a cancelled or terminated lease lets them go
_BY_LEASE = {
    LeaseStatus.SIGNED: PremisesStatus.RENTED,
    LeaseStatus.REGISTERED: PremisesStatus.RENTED,
    LeaseStatus.BOOKED: PremisesStatus.BOOKED,
    LeaseStatus.ON_SIGNING: PremisesStatus.BOOKED,
}


def status_from_leases(statuses: Iterable[str]) -> PremisesStatus:
    """The status of premises named by leases in ``statuses`` (their stored statuses): rented
    under a signed or registered lease (until it is terminated: a lease past its end that
    nobody terminated still has a tenant in the premises), booked under a booked lease or one
    on signing, vacant otherwise."""
    found = {_BY_LEASE.get(LeaseStatus(s), PremisesStatus.VACANT) for s in statuses}
    for status in (PremisesStatus.RENTED, PremisesStatus.BOOKED):
        if status in found:
            return status
    return PremisesStatus.VACANT


class InvalidRecord(DomainError):
    """An imported record with a value that breaks a rule; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class PremisesCard:
    """A premises of the register. ``number`` is the code documents print ("101")."""

    building: str
    number: str
    area_m2: Decimal
    kind: PremisesKind = PremisesKind.OFFICE
    section: str = ""
    floor: str = ""
    price_per_m2: Decimal | None = None
    status: PremisesStatus = PremisesStatus.VACANT
    external_id: str = ""
    publish: bool = True
    description: str = ""
    name: str = ""
    id: int | None = None
    by_leases: bool = False  # ``status`` follows the leases naming it, not the register

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise InvalidRecord("number", "a premises needs a number")
        if self.area_m2 <= 0:
            raise InvalidRecord("area", "the area must be above zero")
        if self.price_per_m2 is not None and self.price_per_m2 < 0:
            raise InvalidRecord("price_per_m2", "the price cannot be negative")

    @property
    def monthly_rent(self) -> Decimal | None:
        """The price of the whole premises a month, to the kopeck."""
        if self.price_per_m2 is None:
            return None
        return (self.price_per_m2 * self.area_m2).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class PremisesFilter:
    """What a premises list is narrowed to (API, Excel export); empty = any."""

    building: str = ""
    floor: str = ""
    status: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Building:
    """A building (объект): its address and description, the fallback of a lot's text."""

    name: str
    address: str = ""
    description: str = ""


@dataclass(frozen=True)
class Section:
    """A section (секция) of a building; its description comes first in a CIAN lot."""

    building: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class PersonalAccount:
    """A personal account (лицевой счёт): a number for a premises, optionally of a tenant.

    Imports name the premises and tenant by their external ids."""

    number: str
    premises_external_id: str = ""
    tenant_external_id: str = ""
    external_id: str = ""
    hidden: bool = False  # «Не отображать в ЛК жителя»
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise InvalidRecord("number", "a personal account needs a number")


def parse_kind(value: str) -> PremisesKind:
    """The premises kind from its English or Russian name (офис, склад, торговое, служебное)."""
    text = value.strip().lower()
    try:
        return PremisesKind(text)
    except ValueError:
        pass
    for kind, names in _KIND_NAMES.items():
        if text in names:
            return kind
    raise InvalidRecord("type", f"unknown premises type {value!r}")


_KIND_NAMES = {
    PremisesKind.OFFICE: {"офис", "офисное"},
    PremisesKind.WAREHOUSE: {"склад", "складское"},
    PremisesKind.RETAIL: {"торговое", "торговая площадь", "магазин"},
    PremisesKind.SERVICE: {"служебное", "коридор", "санузел", "тех. помещение"},
    PremisesKind.OTHER: {"другое", "свободного назначения"},
}


def parse_status(value: str) -> PremisesStatus:
    """The premises status from its English or Russian name."""
    text = value.strip().lower()
    names = {"свободно": "vacant", "забронировано": "booked", "сдано": "rented"}
    try:
        return PremisesStatus(names.get(text, text))
    except ValueError:
        raise InvalidRecord("status", f"unknown premises status {value!r}") from None


class BadRecord(DomainError):
    """A record an import cannot take: ``where`` says which (kind, number in the file, line,
    external id), ``reason`` why. The import stops there; what came before stays (seed 002)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
