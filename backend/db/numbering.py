"""The number counter: one row per portal, landlord, kind and year, bumped atomically.

``INSERT ... ON CONFLICT DO UPDATE SET last_value = last_value + 1 RETURNING last_value`` is
one statement on both PostgreSQL (row lock on the conflicting row) and SQLite (≥ 3.35; the
database write lock, taken by BEGIN IMMEDIATE in ``make_engine``), so two concurrent issuers
can never read the same value. The bump belongs to the caller's transaction: if it rolls
back, the number was never used and the next caller gets it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.db.tables import NumberCounterRow

_BUMPS: dict[str, Any] = {}  # dialect -> the statement (built once: its cache key too)


def _bump(dialect: str) -> Any:
    if dialect not in _BUMPS:
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table: Any = NumberCounterRow.__table__
        _BUMPS[dialect] = (
            insert(table)
            .values(last_value=1)
            .on_conflict_do_update(
                index_elements=["portal_id", "landlord_id", "kind", "year"],
                set_={"last_value": table.c.last_value + 1},
            )
            .returning(table.c.last_value)
        )
    return _BUMPS[dialect]


class NumberCounterRepository:
    """Counters of one portal."""

    def __init__(self, session: Session, portal_id: int) -> None:
        self.session = session
        self.portal_id = portal_id

    def next_value(self, landlord_id: int, kind: str, year: int) -> int:
        """Move the counter forward by one and return the new value (1 for a new year)."""
        statement = _bump(self.session.get_bind().dialect.name)
        values = {"portal_id": self.portal_id, "landlord_id": landlord_id, "kind": kind}
        return int(self.session.execute(statement, {**values, "year": year}).scalar_one())

    def current(self, landlord_id: int, kind: str, year: int) -> int:
        """The last value handed out (0 when none yet)."""
        row = self.session.get(NumberCounterRow, (self.portal_id, landlord_id, kind, year))
        return row.last_value if row is not None else 0
