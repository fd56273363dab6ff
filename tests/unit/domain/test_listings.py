"""CIAN lots from the register (seed 000 «Интеграция с CIAN»)."""

from __future__ import annotations

from decimal import Decimal

from backend.domain.listings import FeedMode, FeedScope, build_lots
from backend.domain.parties import PremisesKind
from backend.domain.premises import PremisesCard, PremisesStatus

OFFICE, WAREHOUSE, SERVICE = PremisesKind.OFFICE, PremisesKind.WAREHOUSE, PremisesKind.SERVICE


def card(number: str, area: int, kind: PremisesKind, **values: object) -> PremisesCard:
    defaults: dict[str, object] = {
        "building": "БЦ Север", "floor": "1", "price_per_m2": Decimal(1000),
        "id": int(number), "section": "",
    }  # fmt: skip
    defaults.update(values)
    return PremisesCard(number=number, area_m2=Decimal(area), kind=kind, **defaults)  # type: ignore[arg-type]


SEED_FLOOR = [
    card("101", 50, OFFICE),
    card("102", 75, OFFICE),
    card("103", 100, WAREHOUSE),
    card("104", 150, WAREHOUSE),
    card("105", 20, SERVICE, price_per_m2=None),
]


def test_seed_example_per_floor_gives_an_office_lot_and_a_warehouse_lot() -> None:
    lots = build_lots(SEED_FLOOR, FeedMode.PER_FLOOR)
    assert [(lot.kind, lot.area_m2) for lot in lots] == [
        (OFFICE, Decimal(125)),
        (WAREHOUSE, Decimal(250)),
    ]
    assert not any(lot.whole_floor for lot in lots)


def test_seed_example_per_premises_gives_four_lots_without_the_service_room() -> None:
    lots = build_lots(SEED_FLOOR, FeedMode.PER_PREMISES)
    assert [lot.premises_numbers for lot in lots] == [("101",), ("102",), ("103",), ("104",)]


def test_a_whole_vacant_floor_of_one_type_includes_its_service_rooms() -> None:
    floor = [card("201", 50, OFFICE), card("202", 70, OFFICE), card("203", 15, SERVICE)]
    (lot,) = build_lots(floor, FeedMode.PER_FLOOR)
    assert (lot.area_m2, lot.whole_floor, lot.premises_numbers) == (
        Decimal(135),
        True,
        ("201", "202", "203"),
    )


def test_one_rented_premises_leaves_service_rooms_out_of_the_floor_lot() -> None:
    floor = [
        card("201", 50, OFFICE),
        card("202", 70, OFFICE, status=PremisesStatus.RENTED),
        card("203", 15, SERVICE),
    ]
    (lot,) = build_lots(floor, FeedMode.PER_FLOOR)
    assert (lot.area_m2, lot.premises_numbers) == (Decimal(50), ("201",))


def test_premises_under_a_live_lease_leave_the_feed_whatever_their_status() -> None:
    lots = build_lots(SEED_FLOOR, FeedMode.PER_PREMISES, taken={101, 103})
    assert [lot.premises_numbers for lot in lots] == [("102",), ("104",)]


def test_the_section_description_wins_over_the_building_one() -> None:
    floor = [card("301", 40, OFFICE, section="A"), card("302", 40, OFFICE, section="B")]
    lots = build_lots(
        floor,
        FeedMode.PER_PREMISES,
        sections={("БЦ Север", "A"): "Секция A у входа"},
        buildings={"БЦ Север": "Бизнес-центр класса B"},
    )
    assert [lot.description for lot in lots] == ["Секция A у входа", "Бизнес-центр класса B"]


def test_the_scope_keeps_only_chosen_buildings_and_floors() -> None:
    register = [
        card("101", 50, OFFICE),
        card("201", 50, OFFICE, floor="2"),
        card("1", 50, OFFICE, building="Склад Юг", id=900),
    ]
    scope = FeedScope(frozenset({"БЦ Север"}), {"БЦ Север": frozenset({"2"})})
    lots = build_lots(register, FeedMode.PER_PREMISES, scope=scope)
    assert [lot.premises_numbers for lot in lots] == [("201",)]


def test_the_lot_price_is_the_monthly_rent_of_its_premises() -> None:
    lots = build_lots(SEED_FLOOR, FeedMode.PER_FLOOR)
    assert lots[0].monthly_rent == Decimal(125) * Decimal(1000)
