"""Stage mappings: CRM pipeline statuses and events to lease statuses."""

from __future__ import annotations

from sqlalchemy import select

from backend.db.scoped import _Scoped
from backend.db.tables import (
    StageMappingRow,
)


class MappingRepository(_Scoped):
    """Stage mappings per pipeline, as plain dicts (``crm_mappings.mapping`` builds the model).

    ``all()`` is read once per unit of work (a delivered email asks it for each deal move it
    records) and read again after a ``save``."""

    _all: dict[str, tuple[dict[str, str], dict[str, str]]] | None = None

    def get(self, pipeline_id: str) -> tuple[dict[str, str], dict[str, str]] | None:
        row = self._row(pipeline_id)
        return None if row is None else (dict(row.statuses), dict(row.events))

    def all(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        if self._all is None:
            rows = self.session.scalars(
                select(StageMappingRow).where(StageMappingRow.portal_id == self.portal_id)
            )
            self._all = {r.pipeline_id: (dict(r.statuses), dict(r.events)) for r in rows}
        return {p: (dict(s), dict(e)) for p, (s, e) in self._all.items()}

    def save(self, pipeline_id: str, statuses: dict[str, str], events: dict[str, str]) -> None:
        self._all = None
        row = self._row(pipeline_id)
        if row is None:
            row = StageMappingRow(portal_id=self.portal_id, pipeline_id=pipeline_id)
            self.session.add(row)
        row.statuses, row.events = dict(statuses), dict(events)
        self.session.flush()

    def _row(self, pipeline_id: str) -> StageMappingRow | None:
        return self.session.scalar(
            select(StageMappingRow).where(
                StageMappingRow.portal_id == self.portal_id,
                StageMappingRow.pipeline_id == pipeline_id,
            )
        )
