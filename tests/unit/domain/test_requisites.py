from __future__ import annotations

from dataclasses import replace

import pytest

from backend.domain.errors import InvalidRequisites
from backend.domain.requisites import (
    check_account,
    check_bank,
    check_bic,
    check_corr_account,
    check_email,
    check_inn,
    check_kpp,
    check_landlord,
    check_ogrn,
    check_tenant,
)
from tests.factories import SBER, landlord, tenant


@pytest.mark.parametrize("inn", ["7707083893", "7728168971", "500100732259"])
def test_published_inns_pass_their_control_digits(inn: str) -> None:
    assert check_inn(inn) == inn


@pytest.mark.parametrize(
    ("inn", "reason"),
    [
        ("7707083894", "control digits"),
        ("500100732258", "control digits"),
        ("77070838", "10 or 12 digits"),
        ("77070838a3", "digits only"),
        ("", "missing"),
    ],
)
def test_bad_inn_is_rejected_with_the_reason(inn: str, reason: str) -> None:
    with pytest.raises(InvalidRequisites, match=reason) as caught:
        check_inn(inn, "tenant.inn")
    assert caught.value.field == "tenant.inn"


def test_kpp_allows_capital_letters_in_the_reason_code() -> None:
    assert check_kpp("7736AB001") == "7736AB001"
    with pytest.raises(InvalidRequisites, match="NNNNPPNNN"):
        check_kpp("77360100")


def test_bic_must_be_nine_digits_of_a_russian_bank() -> None:
    assert check_bic("044525225") == "044525225"
    with pytest.raises(InvalidRequisites, match="9 digits"):
        check_bic("04452522")
    with pytest.raises(InvalidRequisites, match="starts with 04"):
        check_bic("144525225")


def test_account_control_key_depends_on_the_bic() -> None:
    assert check_account(SBER.account, SBER.bic) == SBER.account
    with pytest.raises(InvalidRequisites, match="control key") as caught:
        check_account("40702810938000000002", SBER.bic)
    assert caught.value.field == "account"


def test_nineteen_digit_account_is_rejected() -> None:
    with pytest.raises(InvalidRequisites, match="20 digits, got 19"):
        check_account("4070281093800000000", SBER.bic)


def test_corr_account_is_checked_against_bic_digits() -> None:
    assert check_corr_account(SBER.corr_account, SBER.bic)
    with pytest.raises(InvalidRequisites, match="last 3 digits"):
        check_corr_account("30101810400000000226", SBER.bic)
    with pytest.raises(InvalidRequisites, match="control key"):
        check_corr_account("30101810500000000225", SBER.bic)


def test_missing_bic_names_the_bank_field() -> None:
    with pytest.raises(InvalidRequisites) as caught:
        check_bank(replace(SBER, bic=""), "landlord.bank")
    assert caught.value.field == "landlord.bank.bic"
    assert caught.value.reason == "is missing"


def test_sole_trader_landlord_needs_no_kpp() -> None:
    trader = landlord(inn="500100732259", kpp="")
    assert check_landlord(trader) is trader
    with pytest.raises(InvalidRequisites) as caught:
        check_landlord(landlord(kpp=""))
    assert caught.value.field == "landlord.kpp"


@pytest.mark.parametrize("ogrn", ["1027700132195", "304500116000157"])
def test_a_real_ogrn_or_ogrnip_passes_its_control_digit(ogrn: str) -> None:
    assert check_ogrn(ogrn) == ogrn


@pytest.mark.parametrize(("ogrn", "code"), [
    ("1027700132196", "control"), ("304500116000158", "control"),
    ("10277001321", "length"), ("", "missing"),
])  # fmt: skip
def test_a_wrong_ogrn_says_which_check_failed(ogrn: str, code: str) -> None:
    with pytest.raises(InvalidRequisites) as caught:
        check_ogrn(ogrn)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "email", ["a@b", "a b@c.example", "a@b.example\r\nBcc: x@y.example", "@b.example"]
)
def test_an_address_with_spaces_line_breaks_or_no_domain_is_refused(email: str) -> None:
    with pytest.raises(InvalidRequisites):
        check_email(email)


@pytest.mark.parametrize("ogrn", ["1027700132195", "304500116000157"])
def test_published_ogrn_and_ogrnip_pass_their_control_digit(ogrn: str) -> None:
    # 102770013219 mod 11 = 5 -> 5; 30450011600015 mod 13 = 7 -> 7
    assert check_ogrn(ogrn) == ogrn


@pytest.mark.parametrize(
    ("ogrn", "reason"),
    [
        ("1027700132196", "control digit"),
        ("102770013219", "13 or 15 digits"),
        ("304500116000158", "control digit"),
    ],
)
def test_a_wrong_ogrn_is_refused_naming_the_field(ogrn: str, reason: str) -> None:
    with pytest.raises(InvalidRequisites, match=reason) as refused:
        check_landlord(landlord(ogrn=ogrn))
    assert refused.value.field == "landlord.ogrn"


def test_a_tenant_with_a_wrong_inn_or_kpp_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidRequisites) as wrong_inn:
        check_tenant(tenant(inn="7702070130"))
    assert wrong_inn.value.field == "tenant.inn"
    with pytest.raises(InvalidRequisites) as wrong_kpp:
        check_tenant(tenant(kpp="12"))
    assert wrong_kpp.value.field == "tenant.kpp"


def test_a_tenant_may_leave_out_what_it_has_not_but_a_person_has_no_kpp() -> None:
    assert check_tenant(tenant(inn="", kpp="")).inn == ""
    with pytest.raises(InvalidRequisites, match="no КПП"):
        check_tenant(tenant(inn="500100732259", kpp="500101001"))
