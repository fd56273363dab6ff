from __future__ import annotations

import pytest

from backend.domain.errors import InvalidRequisites
from backend.domain.numbering import NumberFormat


def test_prefix_with_year_and_zero_padding() -> None:
    assert NumberFormat("СЧ-{year}-", 5).format(2026, 7) == "СЧ-2026-00007"


def test_plain_numbers_without_prefix() -> None:
    assert NumberFormat().format(2026, 12) == "12"


def test_settings_give_a_format_per_kind() -> None:
    settings = {"numbering": {"act": {"prefix": "А-", "width": 3}}}
    assert NumberFormat.from_settings(settings, "act").format(2026, 1) == "А-001"
    assert NumberFormat.from_settings(settings, "invoice").format(2026, 1) == "1"


def test_numbers_must_fit_the_qr_doc_no_field() -> None:
    with pytest.raises(InvalidRequisites, match="longer than 15") as caught:
        NumberFormat("INVOICE-{year}-", 6).format(2026, 1)
    assert caught.value.field == "numbering.prefix"


def test_prefix_accepts_only_the_year_placeholder() -> None:
    with pytest.raises(InvalidRequisites, match="only the"):
        NumberFormat("{month}-")
