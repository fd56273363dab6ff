"""The BIC directory: replaced whole by a load, read by БИК. Global (no portal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from backend.db.tables_banks import BankDirectoryRow
from backend.domain.banks import BankEntry

_COLUMNS = ("bic", "name", "corr_account", "city", "place_type", "region", "postal_code", "address")


class BankDirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_all(self, banks: Sequence[BankEntry], business_day: str, at: datetime) -> None:
        """Forget the stored directory and store ``banks``; visible to others only once the
        unit of work commits, so a load that fails halfway leaves the old one."""
        self.session.execute(delete(BankDirectoryRow))
        rows = [
            {**{c: getattr(b, c) for c in _COLUMNS}, "business_day": business_day, "loaded_at": at}
            for b in banks
        ]
        if rows:
            self.session.execute(insert(BankDirectoryRow), rows)

    def get(self, bic: str) -> tuple[BankEntry, str] | None:
        """The bank of ``bic`` and the operational day of the load it came from (every row of
        a load carries it)."""
        row = self.session.get(BankDirectoryRow, bic)
        if row is None:
            return None
        return BankEntry(**{c: getattr(row, c) for c in _COLUMNS}), row.business_day

    def summary(self) -> tuple[int, str]:
        """How many banks the loaded directory holds and its operational day, in one query."""
        count, day = self.session.execute(
            select(func.count(), func.max(BankDirectoryRow.business_day))
        ).one()
        return int(count or 0), str(day or "")

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(BankDirectoryRow)) or 0)

    def business_day(self) -> str:
        """The operational day of the loaded directory, ``""`` when none is loaded."""
        return str(self.session.scalar(select(func.max(BankDirectoryRow.business_day))) or "")
