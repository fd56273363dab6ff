"""The stored schedule: planned documents not issued yet, one row per lease + kind + period."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, func, select

from backend.db.batching import in_chunks
from backend.db.scoped import _line_from_json, _line_to_json, _Scoped
from backend.db.tables import LeaseRow, ScheduleItemRow
from backend.domain.billing import BillingPeriod, DocumentKind, ScheduleItem
from backend.domain.money import Money


def _item_from_row(row: ScheduleItemRow) -> ScheduleItem:
    cur = row.currency
    return ScheduleItem(
        kind=DocumentKind(row.kind),
        period=BillingPeriod(row.period_start, row.period_end),
        issue_on=row.issue_on,
        due_on=row.due_on,
        lines=tuple(_line_from_json(x, cur) for x in row.lines),
        net=Money(row.net, cur),
        vat=Money(row.vat, cur),
        total=Money(row.total, cur),
    )


_TABLE: Any = ScheduleItemRow.__table__
_REMOVE = _TABLE.delete().where(  # built once (its cache key too): one per issued document
    _TABLE.c.portal_id == bindparam("portal_id"),
    _TABLE.c.lease_id == bindparam("lease_id"),
    _TABLE.c.kind == bindparam("kind"),
    _TABLE.c.period_start == bindparam("start"),
    _TABLE.c.period_end == bindparam("end"),
)


class ScheduleRepository(_Scoped):
    """Planned documents of the portal's leases."""

    def replace(self, lease_id: int, items: Sequence[ScheduleItem]) -> None:
        """Make ``items`` the lease's whole plan (the schedule is derived; it is never edited)."""
        self._get(LeaseRow, lease_id)
        self.session.execute(
            delete(ScheduleItemRow).where(
                ScheduleItemRow.portal_id == self.portal_id, ScheduleItemRow.lease_id == lease_id
            )
        )
        self.session.add_all(
            ScheduleItemRow(
                portal_id=self.portal_id,
                lease_id=lease_id,
                kind=item.kind.value,
                period_start=item.period.start,
                period_end=item.period.end,
                issue_on=item.issue_on,
                due_on=item.due_on,
                net=item.net.amount,
                vat=item.vat.amount,
                total=item.total.amount,
                currency=item.total.currency,
                lines=[_line_to_json(line) for line in item.lines],
            )
            for item in items
        )
        self.session.flush()

    def remove(self, lease_id: int, item: ScheduleItem) -> bool:
        """Delete the lease's planned row of ``item`` (same kind and period); returns whether
        there was one."""
        result = self.session.execute(
            _REMOVE,
            {
                "portal_id": self.portal_id, "lease_id": lease_id, "kind": item.kind.value,
                "start": item.period.start, "end": item.period.end,
            },
        )  # fmt: skip
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def for_lease(self, lease_id: int) -> list[ScheduleItem]:
        rows = self.session.scalars(
            select(ScheduleItemRow)
            .where(
                ScheduleItemRow.portal_id == self.portal_id, ScheduleItemRow.lease_id == lease_id
            )
            .order_by(ScheduleItemRow.period_start, ScheduleItemRow.kind.desc())
        )
        return [_item_from_row(r) for r in rows]

    def next_invoice_dates(self, lease_ids: Sequence[int]) -> dict[int, date]:
        """Lease id -> when its next planned invoice is issued (``next_invoice_date`` of its
        plan), for the leases that have one; one query per 500 leases."""
        found: dict[int, date] = {}
        for chunk in in_chunks(sorted(set(lease_ids))):
            rows = self.session.execute(
                select(ScheduleItemRow.lease_id, func.min(ScheduleItemRow.issue_on))
                .where(
                    ScheduleItemRow.portal_id == self.portal_id,
                    ScheduleItemRow.lease_id.in_(chunk),
                    ScheduleItemRow.kind == DocumentKind.INVOICE.value,
                )
                .group_by(ScheduleItemRow.lease_id)
            )
            found.update((int(lease_id), first) for lease_id, first in rows)
        return found

    def due(
        self, today: date, leases: Collection[int] | None = None
    ) -> list[tuple[int, ScheduleItem]]:
        """(lease id, item) of every planned document with an issue date today or earlier; of
        ``leases`` only when given (a chunk of a large portal's run: one query per 500 of them,
        not the whole portal's plan read by every chunk)."""
        query = select(ScheduleItemRow).where(
            ScheduleItemRow.portal_id == self.portal_id, ScheduleItemRow.issue_on <= today
        )
        order = (ScheduleItemRow.issue_on, ScheduleItemRow.lease_id, ScheduleItemRow.id)
        if leases is None:
            rows = list(self.session.scalars(query.order_by(*order)))
        else:
            rows = []
            for chunk in in_chunks(sorted(set(leases))):
                rows += self.session.scalars(query.where(ScheduleItemRow.lease_id.in_(chunk)))
            rows.sort(key=lambda r: (r.issue_on, r.lease_id, r.id))
        return [(r.lease_id, _item_from_row(r)) for r in rows]
