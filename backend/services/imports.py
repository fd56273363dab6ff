"""Import premises, tenants and personal accounts from any channel (XML, Excel, API).

Seed 002: «Если в ходе импорта произошла хотя бы одна ошибка, операция останавливается, при
этом уже импортированные данные остаются в CRM» — the first bad record stops the run, what
came before it stays, and the run's log entry names the record and why.

Records are written in batches (a few statements per batch, one commit each). When a batch
fails, it is rolled back and replayed one record at a time up to the failing one, so the
report names the exact record and everything before it is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from backend.domain.bulk import Located
from backend.domain.errors import DomainError
from backend.domain.premises import (
    BadRecord,
    Building,
    PersonalAccount,
    PremisesCard,
    Section,
)
from backend.domain.tenant_matching import MatchAction, TenantKey, TenantRecord
from backend.ports import Clock
from backend.services.bulk_ports import BulkUnitOfWork


@dataclass
class ImportReport:
    """What one run did: for the log, the CLI, the API and the emailed report."""

    run_id: int
    channel: str
    source: str
    status: str = "running"
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def nonzero_counts(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.counts.items()) if v}

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "channel": self.channel, "source": self.source,
            "status": self.status, "counts": self.nonzero_counts(),
            "warnings": list(self.warnings), "error": self.error,
        }  # fmt: skip


BATCH_SIZE = 1000
PAST = {
    MatchAction.CREATE.value: "created",
    MatchAction.UPDATE.value: "updated",
    MatchAction.UPDATE_WITH_PHONE.value: "updated_with_phone",
    MatchAction.ADD_EXTERNAL_ID.value: "external_id_added",
    MatchAction.SKIP.value: "skipped",
}
T = TypeVar("T")
WARNINGS_KEPT = 200


def import_records(
    uow: BulkUnitOfWork,
    clock: Clock,
    records: Iterable[Located],
    *,
    channel: str,
    source: str,
    trigger: str = "manual",
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Write ``records`` in order, stop at the first bad one, log the run; commits as it goes.

    ``records`` may raise ``BadRecord`` while being read (a parser meeting a broken record):
    that stops the run the same way."""
    report = ImportReport(
        uow.import_runs.start(channel, source, trigger, clock.now()), channel, source
    )
    uow.commit()
    batch: list[Located] = []
    try:
        try:
            for located in records:
                batch.append(located)
                if len(batch) >= batch_size:
                    _flush(uow, batch, report)
                    batch = []
            _flush(uow, batch, report)
            report.status = "ok"
        except BadRecord as exc:
            _flush(uow, batch, report)  # the good records read before the broken one
            raise _Stopped(exc) from exc
    except _Stopped as stop:
        report.status, report.error = "failed", str(stop.error)
    except Exception as exc:  # a bug or the database: log the run as failed, then raise
        uow.rollback()
        _finish(uow, clock, report, "failed", f"internal error: {type(exc).__name__}")
        raise
    _finish(uow, clock, report, report.status, report.error)
    return report


def _finish(
    uow: BulkUnitOfWork, clock: Clock, report: ImportReport, status: str, error: str
) -> None:
    report.status, report.error = status, error
    uow.import_runs.finish(
        report.run_id, clock.now(), status=report.status, counts=report.nonzero_counts(),
        warnings=report.warnings[:WARNINGS_KEPT], error=report.error,
    )  # fmt: skip
    uow.commit()


class _Stopped(Exception):
    def __init__(self, error: BadRecord) -> None:
        super().__init__(str(error))
        self.error = error


def _flush(uow: BulkUnitOfWork, batch: list[Located], report: ImportReport) -> None:
    if not batch:
        return
    try:
        counts, warnings = _apply(uow, batch)
        uow.commit()
    except DomainError:
        uow.rollback()
    else:
        report.counts.update(counts)
        report.warnings.extend(warnings)
        return
    for located in batch:  # replay one by one: keep the good ones, name the bad one
        try:
            counts, warnings = _apply(uow, [located])
            uow.commit()
        except DomainError as exc:
            uow.rollback()
            reason = exc.reason if isinstance(exc, BadRecord) else str(exc)
            raise _Stopped(BadRecord(located.where, reason)) from exc
        report.counts.update(counts)
        report.warnings.extend(warnings)
    batch.clear()


def _items(batch: list[Located], kind: type[T]) -> list[T]:
    return [located.item for located in batch if isinstance(located.item, kind)]


def _apply(uow: BulkUnitOfWork, batch: list[Located]) -> tuple[Counter[str], list[str]]:
    """One batch, in dependency order: buildings, sections, premises, tenants, accounts."""
    counts: Counter[str] = Counter()
    estate = uow.estate
    buildings = _items(batch, Building)
    sections = _items(batch, Section)
    if buildings:
        counts["buildings"] += estate.upsert_buildings(buildings)
    if sections:
        counts["sections"] += estate.upsert_sections(sections)
    cards = _items(batch, PremisesCard)
    if cards:
        created, updated = estate.upsert_premises(cards)
        counts["premises_created"] += created
        counts["premises_updated"] += updated
    tenants = [located for located in batch if isinstance(located.item, TenantRecord)]
    warnings = _apply_tenants(uow, tenants, _items(batch, TenantRecord), counts)
    accounts = _items(batch, PersonalAccount)
    if accounts:
        created, updated = estate.upsert_accounts(accounts)
        counts["accounts_created"] += created
        counts["accounts_updated"] += updated
    return counts, warnings


def _apply_tenants(
    uow: BulkUnitOfWork,
    located: list[Located],
    records: list[TenantRecord],
    counts: Counter[str],
) -> list[str]:
    if not records:
        return []
    index = uow.tenant_book.index_for((r.external_id for r in records), (r.phone for r in records))
    decisions = []
    warnings = []
    for number, (where, record) in enumerate(zip(located, records, strict=True)):
        decision = index.decide(record)  # raises PhoneInUse (seed 002 case 2b)
        key: TenantKey = f"new-{number}"
        index.apply(decision, record, key)
        decisions.append((decision, record, key))
        if decision.action is MatchAction.SKIP:
            warnings.append(f"{where.where}: the tenant is marked «do not sync», left as it is")
        elif not (record.external_id or record.phone):
            warnings.append(
                f"{where.where}: no external id and no phone, so nothing to match it by:"
                " each import adds this tenant again"
            )
    for action, count in uow.tenant_book.apply(decisions).items():
        counts[f"tenants_{PAST[action]}"] += count
    return warnings
