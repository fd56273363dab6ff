"""Migration 0019_cardfix: terminations stored with a Russian name become a kind and a date."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from backend.db.migrate import upgrade

ADDENDUM = sa.text(
    'INSERT INTO addenda (id, portal_id, lease_id, number, effective_from, "end", reminder_days)'
    " VALUES (:id, 1, 1, :number, :start, :end, 0)"
)
AUDIT = sa.text(
    "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, details)"
    " VALUES (:id, '2026-08-01 10:00:00', 'system', 'lease.addendum', 'lease', '1', :details)"
)


def test_a_termination_named_in_russian_becomes_a_kind_in_the_addenda_and_the_history(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0018_accounts")
    engine = sa.create_engine(url)
    termination = {"number": "расторжение 31.08.2026", "effective_from": "2026-08-31"}
    terms = {"number": "ДС-1", "effective_from": "2026-05-01"}
    with engine.begin() as db:
        db.execute(ADDENDUM, [
            {"id": 1, "number": termination["number"], "start": "2026-08-31", "end": "2026-08-31"},
            {"id": 2, "number": "ДС-1", "start": "2026-05-01", "end": None},
        ])  # fmt: skip
        db.execute(AUDIT, [
            {"id": 1, "details": json.dumps(termination)}, {"id": 2, "details": json.dumps(terms)},
        ])  # fmt: skip
    upgrade(url)
    with engine.begin() as db:
        addenda = db.execute(sa.text("SELECT id, number, kind FROM addenda ORDER BY id")).all()
        audit = db.execute(sa.text("SELECT details FROM audit_log ORDER BY id")).scalars().all()
    engine.dispose()
    assert [tuple(row) for row in addenda] == [(1, "", "termination"), (2, "ДС-1", "terms")]
    assert [json.loads(details) for details in audit] == [
        {"number": "", "effective_from": "2026-08-31", "kind": "termination"},
        terms,
    ]
