"""A reconciliation statement is printed only when its totals add up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from backend.domain.reconciliation import Statement, StatementLine

D = Decimal


def _statement(**changes: object) -> Statement:
    values: dict[str, object] = {
        "lease_number": "А-1", "lease_signed_on": date(2026, 1, 1), "landlord": "Л",
        "landlord_inn": "7707083893", "tenant": "Т", "tenant_inn": "7728168971",
        "start": date(2026, 2, 1), "end": date(2026, 2, 28), "currency": "RUB",
        "opening": D("100.00"),
        "lines": (StatementLine(date(2026, 2, 1), "invoice", "1", D("500.00"), D(0)),
                  StatementLine(date(2026, 2, 9), "payment", "77", D(0), D("450.00"))),
        "debit": D("500.00"), "credit": D("450.00"), "closing": D("150.00"),
    }  # fmt: skip
    values.update(changes)
    return Statement(**values)  # type: ignore[arg-type]


def test_opening_plus_debit_minus_credit_is_the_closing_balance() -> None:
    assert _statement().check().closing == D("150.00")


@pytest.mark.parametrize(
    "changes",
    [
        {"closing": D("150.01")},
        {"debit": D("499.99")},
        {"credit": D("450.01"), "closing": D("149.99")},
    ],
)
def test_a_statement_whose_totals_do_not_add_up_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"add up|closing"):
        _statement(**changes).check()
