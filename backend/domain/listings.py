"""Lots of vacant premises for an ad site's feed (CIAN), by seed 000 «Интеграция с CIAN».

Two modes:

- ``per_premises`` («Выгружать по помещениям»): every useful vacant premises is a lot of its
  own; service premises (corridors, WCs) never are;
- ``per_floor`` («Выгружать единой записью»): one record per floor, for a tenant who looks for
  a large area. If every premises of the floor is vacant and the useful ones are of one type,
  the record is the whole floor, service premises included; otherwise there is one lot per
  type of the vacant useful premises, without service premises.

A lot's description is its section's description, else its building's. Rented or booked
premises, and premises the landlord chose not to publish, are never offered (seed 004:
"unpublish once rented").

Seed 000's example: offices 101 (50 m²) and 102 (75 m²), warehouses 103 (100 m²) and 104
(150 m²) vacant on one floor → per floor, two lots: offices 125 m² and warehouses 250 m².
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from backend.domain.parties import PremisesKind
from backend.domain.premises import PremisesCard, PremisesStatus


class FeedMode(StrEnum):
    PER_PREMISES = "per_premises"
    PER_FLOOR = "per_floor"


@dataclass(frozen=True)
class FeedScope:
    """Which premises a feed offers: buildings by name (empty = all) and, per building, the
    floors (a building not named in ``floors`` offers all its floors)."""

    buildings: frozenset[str] = frozenset()
    floors: Mapping[str, frozenset[str]] | None = None

    def covers(self, premises: PremisesCard) -> bool:
        if self.buildings and premises.building not in self.buildings:
            return False
        chosen = (self.floors or {}).get(premises.building)
        return chosen is None or premises.floor in chosen


@dataclass(frozen=True)
class Lot:
    """One ad: ``external_id`` is stable between feeds so the site updates instead of adding."""

    external_id: str
    kind: PremisesKind
    area_m2: Decimal
    building: str
    floor: str
    description: str
    monthly_rent: Decimal | None
    premises_numbers: tuple[str, ...]
    whole_floor: bool = False


def _offered(premises: PremisesCard, taken: Collection[int]) -> bool:
    return (
        premises.status is PremisesStatus.VACANT
        and premises.publish
        and (premises.id is None or premises.id not in taken)
    )


def _rent(items: Sequence[PremisesCard]) -> Decimal | None:
    """The lot's price a month: the sum over its priced premises; None when a useful premises
    has no price (the landlord must price it before it can be advertised)."""
    useful = [p for p in items if p.kind is not PremisesKind.SERVICE]
    if any(p.monthly_rent is None for p in useful):
        return None
    return sum((p.monthly_rent or Decimal(0) for p in items), Decimal(0))


def _describe(
    items: Sequence[PremisesCard],
    sections: Mapping[tuple[str, str], str],
    buildings: Mapping[str, str],
) -> str:
    for premises in items:
        text = sections.get((premises.building, premises.section), "")
        if premises.section and text:
            return text
    return buildings.get(items[0].building, "")


def _floor_key(premises: PremisesCard) -> tuple[str, str]:
    return premises.building, premises.floor


def build_lots(
    register: Iterable[PremisesCard],
    mode: FeedMode,
    *,
    scope: FeedScope | None = None,
    taken: Collection[int] = (),
    sections: Mapping[tuple[str, str], str] | None = None,
    buildings: Mapping[str, str] | None = None,
) -> list[Lot]:
    """The lots of ``register`` (every premises of the portal: occupied ones decide whether a
    floor is whole). ``taken`` holds ids of premises under a live lease, whatever their
    status says; ``sections`` maps (building, section) and ``buildings`` a building to its
    description."""
    scope = scope or FeedScope()
    sections = sections or {}
    buildings = buildings or {}
    chosen = sorted(
        (p for p in register if scope.covers(p)), key=lambda p: (_floor_key(p), p.number)
    )
    lots: list[Lot] = []
    for (building, floor), group in groupby(chosen, key=_floor_key):
        floor_items = list(group)
        if mode is FeedMode.PER_PREMISES:
            lots.extend(
                _lot([p], f"p-{p.external_id or p.id}", sections, buildings)
                for p in floor_items
                if _offered(p, taken) and p.kind is not PremisesKind.SERVICE
            )
        else:
            lots.extend(_floor_lots(building, floor, floor_items, taken, sections, buildings))
    return lots


def _floor_lots(
    building: str,
    floor: str,
    items: list[PremisesCard],
    taken: Collection[int],
    sections: Mapping[tuple[str, str], str],
    buildings: Mapping[str, str],
) -> list[Lot]:
    vacant = [p for p in items if _offered(p, taken)]
    useful = [p for p in vacant if p.kind is not PremisesKind.SERVICE]
    kinds = sorted({p.kind for p in useful})
    base = f"f-{building}-{floor}"
    if len(vacant) == len(items) and len(kinds) == 1:
        whole = _lot(items, f"{base}-{kinds[0].value}", sections, buildings, kind=kinds[0])
        return [replace(whole, whole_floor=True)]
    return [
        _lot([p for p in useful if p.kind is kind], f"{base}-{kind.value}", sections, buildings)
        for kind in kinds
    ]


def _lot(
    items: Sequence[PremisesCard],
    external_id: str,
    sections: Mapping[tuple[str, str], str],
    buildings: Mapping[str, str],
    *,
    kind: PremisesKind | None = None,
) -> Lot:
    first = items[0]
    return Lot(
        external_id=external_id,
        kind=kind or first.kind,
        area_m2=sum((p.area_m2 for p in items), Decimal(0)),
        building=first.building,
        floor=first.floor,
        description=_describe(items, sections, buildings),
        monthly_rent=_rent(items),
        premises_numbers=tuple(p.number for p in items),
    )
