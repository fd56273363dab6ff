"""The premises register in the workspace: a searchable list, a card with the premises'
lease history, and a form to add or change one, whose problems are named per field.

The register is the one imports and the public API fill (``uow.estate``); a lease points at
its premises by id, or, made from the lease JSON, by building and number: both count as
the premises' leases. Once a lease names a premises, its leases decide whether it is
vacant, booked or rented (``domain.premises.status_from_leases``); the form's status is the
register's word for premises no lease has named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from backend.domain.lease import Lease
from backend.domain.parties import PremisesKind
from backend.domain.premises import InvalidRecord, PremisesCard, PremisesStatus
from backend.domain.quantities import (
    MONEY,
    ROOM_AREA,
    QuantityProblem,
    parse_number,
    read_quantity,
)
from backend.ports import Clock
from backend.services.bulk_ports import BulkUnitOfWork

LISTED = 200  # premises a search shows at once
FIELDS = ("building", "floor", "number", "area", "price_per_m2", "status", "kind")
LIMITS = {"building": 255, "floor": 32, "number": 64}
BOUNDS = {"area": ROOM_AREA, "price_per_m2": MONEY}  # what the form's numbers may be


@dataclass(frozen=True)
class PremisesLine:
    """A premises as the register's list shows it."""

    card: PremisesCard
    address: str

    @property
    def held(self) -> bool:
        """A live lease (booked ... registered) holds it."""
        return self.card.by_leases and self.card.status is not PremisesStatus.VACANT


@dataclass(frozen=True)
class PremisesView:
    """The card: the premises, its building's address and its leases, newest first."""

    card: PremisesCard
    address: str
    leases: list[Lease]


@dataclass
class PremisesForm:
    """What was typed (kept on an error), the premises being changed, and the problems:
    field -> code (``missing``, ``number``, ``positive``, ``negative``, ``too_large``,
    ``places``, ``too_long``, ``choice``, ``taken``)."""

    values: dict[str, str]
    premises_id: int | None = None
    problems: dict[str, str] = field(default_factory=dict)
    by_leases: bool = False  # its leases set the status: the form shows it, cannot change it


class PremisesFormInvalid(Exception):
    def __init__(self, form: PremisesForm) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in form.problems.items()))
        self.form = form


def find_premises(uow: BulkUnitOfWork, search: str = "", status: str = "") -> list[PremisesLine]:
    """The register by building and number, narrowed by ``search`` (building, address,
    floor, number or name; any case) and by ``status`` (vacant, booked, rented: as the
    leases make it); at most ``LISTED``."""
    addresses = uow.estate.addresses()
    words = search.strip().casefold()
    found = []
    for card in sorted(uow.estate.register(), key=lambda c: (c.building, c.floor, c.number)):
        address = addresses.get(card.building, "")
        text = " ".join((card.building, address, card.floor, card.number, card.name))
        if (words and words not in text.casefold()) or (status and card.status != status):
            continue
        found.append(PremisesLine(card, address))
        if len(found) >= LISTED:
            break
    return found


def premises_view(uow: BulkUnitOfWork, premises_id: int) -> PremisesView:
    """The card of one premises; ``NotFound`` for another portal's."""
    card = uow.estate.premises_card(premises_id)
    leases = [lease for lease in uow.leases.list() if _on(lease, card)]
    leases.sort(key=lambda lease: (lease.start, lease.id or 0), reverse=True)
    return PremisesView(card, uow.estate.addresses().get(card.building, ""), leases)


def _on(lease: Lease, card: PremisesCard) -> bool:
    rooms = list(lease.premises) + [p for a in lease.addenda for p in a.premises or ()]
    return any(
        room.id == card.id or (room.building, room.code) == (card.building, card.number)
        for room in rooms
    )


def premises_form(uow: BulkUnitOfWork, premises_id: int | None = None) -> PremisesForm:
    """An empty form, or one filled from the stored premises."""
    if premises_id is None:
        return PremisesForm({"status": PremisesStatus.VACANT.value, "kind": "office"})
    card = uow.estate.premises_card(premises_id)
    values = {
        "building": card.building, "floor": card.floor, "number": card.number,
        "area": str(card.area_m2), "status": card.status.value, "kind": card.kind.value,
        "price_per_m2": "" if card.price_per_m2 is None else str(card.price_per_m2),
    }  # fmt: skip
    return PremisesForm(values, premises_id, by_leases=card.by_leases)


def read_premises_form(data: Mapping[str, str], premises_id: int | None = None) -> PremisesForm:
    return PremisesForm({name: str(data.get(name, "")).strip() for name in FIELDS}, premises_id)


def check_premises_form(form: PremisesForm) -> PremisesForm:
    """Name every problem of ``form`` (none: it can be saved)."""
    values, problems = form.values, form.problems
    problems.clear()
    for name in ("number", "area"):
        if not values.get(name):
            problems[name] = "missing"
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            problems[name] = "too_long"
    for name, bound in BOUNDS.items():
        if values.get(name) and name not in problems:
            try:
                read_quantity(values[name], bound)
            except QuantityProblem as err:
                problems[name] = err.code
    if values.get("status") not in {s.value for s in PremisesStatus}:
        problems["status"] = "choice"
    if values.get("kind") not in {k.value for k in PremisesKind}:
        problems["kind"] = "choice"
    return form


def _decimal(text: str) -> Decimal | None:
    try:
        return parse_number(text)
    except QuantityProblem:
        return None


def save_premises(uow: BulkUnitOfWork, clock: Clock, form: PremisesForm) -> int:
    """Add the premises or change it; ``PremisesFormInvalid`` with every problem, nothing
    written. The caller commits. A building and number already in the register are taken;
    the status of premises a lease names stays what the leases make it."""
    old = None
    if form.premises_id is not None:
        old = uow.estate.premises_card(form.premises_id)  # NotFound for another portal's
        if old.by_leases:
            form.by_leases, form.values["status"] = True, old.status.value
    check_premises_form(form)
    if form.problems:
        raise PremisesFormInvalid(form)
    values = form.values
    card = _card(values, form.premises_id)
    twin = [
        c
        for c in uow.estate.register()
        if (c.building, c.number) == (card.building, card.number) and c.id != form.premises_id
    ]
    if twin:
        form.problems["number"] = "taken"
        raise PremisesFormInvalid(form)
    if old is None:
        uow.estate.upsert_premises([card])
        (stored,) = [c for c in uow.estate.register() if (c.building, c.number) ==
                     (card.building, card.number)]  # fmt: skip
        premises_id, event = stored.id or 0, "premises.added"
    else:
        uow.estate.save_premises(_keep(old, card))
        premises_id, event = old.id or 0, "premises.changed"
    uow.audit.record(clock.now(), event, "premises", premises_id, {"number": card.number})
    return premises_id


def _card(values: Mapping[str, str], premises_id: int | None) -> PremisesCard:
    price = values.get("price_per_m2", "")
    try:
        return PremisesCard(
            building=values.get("building", ""), number=values["number"],
            area_m2=_decimal(values["area"]) or Decimal(0), floor=values.get("floor", ""),
            price_per_m2=_decimal(price) if price else None,
            status=PremisesStatus(values["status"]), kind=PremisesKind(values["kind"]),
            id=premises_id,
        )  # fmt: skip
    except InvalidRecord as err:  # checked above; the domain has the last word
        problems = {err.field: "invalid"}
        raise PremisesFormInvalid(PremisesForm(dict(values), premises_id, problems)) from None


def _keep(old: PremisesCard, new: PremisesCard) -> PremisesCard:
    """The form's fields over the stored card: what the form does not show is kept."""
    return replace(
        old, building=new.building, number=new.number, area_m2=new.area_m2, floor=new.floor,
        price_per_m2=new.price_per_m2, status=new.status, kind=new.kind,
    )  # fmt: skip
