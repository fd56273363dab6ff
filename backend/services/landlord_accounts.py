"""The settlement accounts of a landlord as its form lists them: one row of fields per account
(БИК, bank, correspondent account, account, label), one of them the default, any of them
marked for removal.

Row 0's fields keep the names the single-account form had (``bank_bic``...), so what posted
one account still does; row N's add ``-N`` (``bank_bic-1``). A problem is keyed by the
field's name, so it is shown next to the right row's field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from backend.domain.parties import BankRequisites, LandlordEntity

ACCOUNT_FIELDS = ("bank_bic", "bank_name", "bank_corr_account", "bank_account", "bank_label")
MAX_ACCOUNTS = 20
_ROW_FIELD = re.compile(r"bank_(?:bic|name|corr_account|account|label|id)-([1-9]\d?)")


def field_name(base: str, row: int) -> str:
    """The form's name of ``base`` (``bank_bic``) in row ``row``."""
    return base if row == 0 else f"{base}-{row}"


@dataclass(frozen=True)
class AccountRows:
    """Which rows the form has (their numbers, in order), the stored account each row edits
    (``ids``: row -> account id; a new row has none), the default row and the rows to remove."""

    rows: tuple[int, ...] = (0,)
    ids: dict[int, int] = field(default_factory=dict)
    default: int = 0
    removed: frozenset[int] = frozenset()

    def kept(self) -> tuple[int, ...]:
        """The rows that stay accounts."""
        return tuple(r for r in self.rows if r not in self.removed)


def read_rows(data: Mapping[str, str]) -> tuple[AccountRows, dict[str, str]]:
    """The account rows of a posted form and their values, single-line and trimmed."""
    numbers = {0} | {int(m.group(1)) for k in data if (m := _ROW_FIELD.fullmatch(str(k)))}
    rows = tuple(sorted(numbers))[:MAX_ACCOUNTS]
    values = {
        field_name(base, row): " ".join(str(data.get(field_name(base, row), "")).split())
        for row in rows
        for base in ACCOUNT_FIELDS
    }
    ids = {}
    for row in rows:
        raw = str(data.get(field_name("bank_id", row), ""))
        if raw.isdigit():
            ids[row] = int(raw)
    raw_default = str(data.get("bank_default", "0"))
    default = int(raw_default) if raw_default.isdigit() and int(raw_default) in rows else rows[0]
    removed = frozenset(r for r in rows if str(data.get(field_name("bank_remove", r), "")) == "1")
    return AccountRows(rows, ids, default, removed), values


def rows_of(entity: LandlordEntity) -> tuple[AccountRows, dict[str, str]]:
    """The rows of a stored landlord's accounts, in its order."""
    accounts = entity.all_accounts
    values: dict[str, str] = {}
    ids: dict[int, int] = {}
    default = 0
    for row, account in enumerate(accounts):
        values |= {
            field_name("bank_bic", row): account.bic,
            field_name("bank_name", row): account.bank_name,
            field_name("bank_corr_account", row): account.corr_account,
            field_name("bank_account", row): account.account,
            field_name("bank_label", row): account.label,
        }
        if account.id is not None:
            ids[row] = account.id
        if account.same_account(entity.bank):
            default = row
    return AccountRows(tuple(range(len(accounts))), ids, default), values


def accounts_of(rows: AccountRows, values: Mapping[str, str]) -> tuple[BankRequisites, ...]:
    """The accounts the kept rows describe, in row order."""
    return tuple(_account(rows, values, row) for row in rows.kept())


def default_account(rows: AccountRows, values: Mapping[str, str]) -> BankRequisites:
    """The account of the default row (the first kept row's when the default is removed)."""
    kept = rows.kept() or rows.rows
    return _account(rows, values, rows.default if rows.default in kept else kept[0])


def _account(rows: AccountRows, values: Mapping[str, str], row: int) -> BankRequisites:
    return BankRequisites(
        bank_name=values[field_name("bank_name", row)],
        bic=values[field_name("bank_bic", row)],
        account=values[field_name("bank_account", row)],
        corr_account=values[field_name("bank_corr_account", row)],
        label=values[field_name("bank_label", row)],
        id=rows.ids.get(row),
    )
