"""Seed 002's matching cases for imported tenants, and phone normalisation."""

from __future__ import annotations

import pytest

from backend.domain.tenant_matching import (
    PHONE_IN_USE,
    InvalidPhone,
    KnownTenant,
    MatchAction,
    MatchDecision,
    PhoneInUse,
    TenantIndex,
    TenantRecord,
    normalise_phone,
)


@pytest.mark.parametrize(
    "raw",
    ["+7 (912) 345-67-89", "8 912 345 67 89", "89123456789", "9123456789", "7-912-345-67-89"],
)
def test_russian_phones_written_any_way_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+79123456789"


def test_foreign_phone_with_plus_keeps_its_country_code() -> None:
    assert normalise_phone("+375 (29) 123-45-67") == "+375291234567"


@pytest.mark.parametrize("raw", ["12345", "abc", "+1"])
def test_text_that_is_no_phone_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def _index() -> TenantIndex:
    index = TenantIndex()
    index.add(KnownTenant(1, "+79120000001"), ("ext-1",))
    index.add(KnownTenant(2, "+79120000002"), ("ext-2",))
    return index


def test_same_external_id_and_phone_overwrites_the_rest() -> None:
    decision = _index().decide(TenantRecord("ООО Новое имя", "ext-1", "+79120000001"))
    assert decision == MatchDecision(MatchAction.UPDATE, 1)


def test_same_external_id_with_a_never_used_phone_overwrites_the_phone_too() -> None:
    decision = _index().decide(TenantRecord("ООО Альфа", "ext-1", "+79129999999"))
    assert decision == MatchDecision(MatchAction.UPDATE_WITH_PHONE, 1)


def test_same_external_id_with_another_tenants_phone_fails_with_the_seed_text() -> None:
    with pytest.raises(PhoneInUse) as error:
        _index().decide(TenantRecord("ООО Альфа", "ext-1", "+79120000002"))
    assert str(error.value) == PHONE_IN_USE
    assert PHONE_IN_USE.startswith("Невозможно изменить номер телефона")


def test_a_phone_another_tenant_used_before_is_refused_as_well() -> None:
    index = _index()
    index.had_phone(2, "+79125555555")
    with pytest.raises(PhoneInUse):
        index.decide(TenantRecord("ООО Альфа", "ext-1", "+79125555555"))


def test_a_tenant_may_take_back_a_phone_it_used_before() -> None:
    index = _index()
    index.had_phone(1, "+79125555555")
    decision = index.decide(TenantRecord("ООО Альфа", "ext-1", "+79125555555"))
    assert decision.action is MatchAction.UPDATE_WITH_PHONE


def test_new_external_id_with_a_known_phone_is_added_to_that_tenant() -> None:
    decision = _index().decide(TenantRecord("ООО Бета", "1c-77", "+79120000002"))
    assert decision == MatchDecision(MatchAction.ADD_EXTERNAL_ID, 2)


def test_unknown_external_id_and_phone_create_a_tenant() -> None:
    decision = _index().decide(TenantRecord("ООО Гамма", "ext-3", "+79120000003"))
    assert decision == MatchDecision(MatchAction.CREATE)


def test_a_tenant_flagged_do_not_sync_is_skipped() -> None:
    index = TenantIndex()
    index.add(KnownTenant(5, "+79120000005", do_not_sync=True), ("ext-5",))
    assert index.decide(TenantRecord("X", "ext-5", "+79120000099")).action is MatchAction.SKIP


def test_later_records_of_one_import_see_the_earlier_ones() -> None:
    index = _index()
    first = TenantRecord("ООО Дельта", "ext-4", "+79120000004")
    index.apply(index.decide(first), first, "new-0")
    again = TenantRecord("ООО Дельта", "other-system-4", "+79120000004")
    assert index.decide(again) == MatchDecision(MatchAction.ADD_EXTERNAL_ID, "new-0")


def test_a_changed_phone_stays_used_by_its_old_owner() -> None:
    index = _index()
    moved = TenantRecord("ООО Альфа", "ext-1", "+79129999999")
    index.apply(index.decide(moved), moved, "")
    with pytest.raises(PhoneInUse):
        index.decide(TenantRecord("ООО Бета", "ext-2", "+79120000001"))
