from __future__ import annotations

from decimal import Decimal

import pytest

from backend.domain.money import Money
from documents.errors import InvalidDocumentData
from documents.words import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("1000", "Одна тысяча рублей 00 копеек"),
        ("2000", "Две тысячи рублей 00 копеек"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("3.01", "Три рубля 01 копейка"),
        ("3.21", "Три рубля 21 копейка"),
        ("1.02", "Один рубль 02 копейки"),
        ("12345.07", "Двенадцать тысяч триста сорок пять рублей 07 копеек"),
    ],
)
def test_roubles_are_spelled_as_1c_prints_them(amount: str, words: str) -> None:
    assert amount_in_words(Money(Decimal(amount))) == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1", "Одна гривня 00 копійок"),
        ("2", "Дві гривні 00 копійок"),
        ("5", "П'ять гривень 00 копійок"),
        ("11", "Одинадцять гривень 00 копійок"),
        ("21", "Двадцять одна гривня 00 копійок"),
        ("21000", "Двадцять одна тисяча гривень 00 копійок"),
        ("1000000", "Один мільйон гривень 00 копійок"),
        ("7.01", "Сім гривень 01 копійка"),
        ("7.21", "Сім гривень 21 копійка"),
    ],
)
def test_hryvnias_are_spelled_in_ukrainian(amount: str, words: str) -> None:
    assert amount_in_words(Money(Decimal(amount), "UAH"), "uk") == words


def test_whole_thousands_are_not_read_as_kopecks() -> None:
    # num2words reads a bare int 2000 as 20 roubles 00 kopecks; Money always holds a Decimal
    assert amount_in_words(Money(2000)) == "Две тысячи рублей 00 копеек"


def test_currency_is_never_defaulted_to_euro() -> None:
    assert "рубл" in amount_in_words(Money(Decimal(5), "RUB"))
    assert "евро" in amount_in_words(Money(Decimal(5), "EUR"))


def test_half_kopeck_rounds_half_up_before_spelling() -> None:
    assert amount_in_words(Money(Decimal("2.675"))) == "Два рубля 68 копеек"


def test_unsupported_language_and_currency_name_the_field() -> None:
    with pytest.raises(InvalidDocumentData) as caught:
        amount_in_words(Money(Decimal(1)), "de")
    assert caught.value.field == "language"
    with pytest.raises(InvalidDocumentData) as caught:
        amount_in_words(Money(Decimal(1), "JPY"))
    assert caught.value.field == "currency"
