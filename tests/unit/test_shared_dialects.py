"""The suite's shared dialects (``tests/shared_dialects.py``): a second test database runs a
statement the first one compiled without compiling it again, and reads its own rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from backend.db.base import make_engine
from tests.shared_dialects import share_dialects

NOTES = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("text", String))


def _read(url: str, text: str) -> tuple[list[str], object]:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            NOTES.create(conn)
            conn.execute(NOTES.insert(), [{"text": text}])
        with engine.connect() as conn:
            result = conn.execute(select(NOTES.c.text).where(NOTES.c.id == 1))
            return list(result.scalars()), result.context.cache_hit
    finally:
        engine.dispose()


def test_a_second_database_reuses_the_compiled_statement_and_reads_its_own_rows(
    tmp_path: Path,
) -> None:
    share_dialects()
    share_dialects()  # twice: still one layer
    first = make_engine(f"sqlite:///{tmp_path / 'first.db'}")
    with first.connect():  # connected: its dialect is the one later engines take
        pass
    second = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
    assert second.dialect is first.dialect
    first.dispose()
    second.dispose()

    rows, _ = _read(f"sqlite:///{tmp_path / 'a.db'}", "from a")
    rows_b, hit = _read(f"sqlite:///{tmp_path / 'b.db'}", "from b")

    assert (rows, rows_b) == (["from a"], ["from b"])
    assert hit is second.dialect.CACHE_HIT
