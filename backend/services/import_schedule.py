"""Scheduled XML import (seed 002 «Импорт с помощью XML»): per portal, the files' addresses
(HTTP/HTTPS links or SFTP/FTP paths, several separated by commas), a cron schedule, "delete the
files after reading", "email the report to"; "run now"; a log of every run.

The settings live in ``portal.settings["imports"]``:
``{"sources": [...], "schedule": "19 22 * * *", "delete_after_read": false,
"report_to": [...], "enabled": true, "saved_at": "<ISO moment>",
"sealed_passwords": "<token>"}``.

A source's password (``sftp://user:password@host/path``) is sealed with the unit of work's
secret box the moment the settings are written (issue 14, as the 1C password is): ``sources``
holds the addresses with the password masked (``:***@``) and ``sealed_passwords`` the
passwords, one per source (``null`` for none); only the run unseals them. Settings stored
before that, with plain passwords, are sealed at their next save or run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from croniter import croniter

from backend.domain.bulk import PASSWORD_MASK, SOURCE_PASSWORD, hide_password
from backend.domain.contacts import email_problem
from backend.domain.messages import OutboxMessage
from backend.ports import Clock, RecordReader, SourceReader, SourceUnavailable
from backend.services.bulk_ports import BulkPorts, BulkUnitOfWork, BulkUnitOfWorkFactory
from backend.services.imports import ImportReport, import_records
from backend.services.portal_settings import InvalidSettings
from backend.services.unit_of_work import SecretBox

IMPORTS = "imports"
SEALED_PASSWORDS = "sealed_passwords"
SCHEMES = ("http", "https", "sftp", "ftp", "ftps")


@dataclass(frozen=True)
class ImportSettings:
    """The settings as stored and shown: ``sources`` carry no password but a masked one."""

    sources: tuple[str, ...] = ()
    schedule: str = ""
    delete_after_read: bool = False
    report_to: tuple[str, ...] = ()
    enabled: bool = True
    saved_at: str = ""

    def as_dict(self, *, hide_secrets: bool = False) -> dict[str, Any]:
        sources = [hide_password(s) for s in self.sources] if hide_secrets else self.sources
        return {
            "sources": list(sources),
            "schedule": self.schedule,
            "delete_after_read": self.delete_after_read,
            "report_to": list(self.report_to),
            "enabled": self.enabled,
            "saved_at": self.saved_at,
        }


def _password_of(url: str) -> str | None:
    found = SOURCE_PASSWORD.search(url)
    return found.group(2) if found else None


def _with_password(shown: str, password: str | None) -> str:
    if password is None:
        return shown
    return SOURCE_PASSWORD.sub(lambda m: f"{m.group(1)}:{password}@", shown, count=1)


def sources_to_fetch(box: SecretBox, portal_settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The sources with their passwords unsealed, for the run alone to fetch with."""
    shown = settings_of(portal_settings).sources
    token = (portal_settings.get(IMPORTS) or {}).get(SEALED_PASSWORDS)
    if not token:  # no password, or stored plain before passwords were sealed
        return shown
    passwords = box.decrypt(token)["passwords"]
    return tuple(_with_password(s, p) for s, p in zip(shown, passwords, strict=True))


def _sealed(box: SecretBox, settings: ImportSettings, sources: Sequence[str]) -> dict[str, Any]:
    """``settings`` as stored: ``sources`` (with their passwords) masked, the passwords sealed."""
    stored = replace(settings, sources=tuple(hide_password(s) for s in sources)).as_dict()
    passwords = [_password_of(s) for s in sources]
    if any(p is not None for p in passwords):
        stored[SEALED_PASSWORDS] = box.encrypt({"passwords": passwords})
    return stored


def settings_of(portal_settings: Mapping[str, Any]) -> ImportSettings:
    raw = portal_settings.get(IMPORTS) or {}
    return ImportSettings(
        sources=tuple(raw.get("sources") or ()),
        schedule=str(raw.get("schedule") or ""),
        delete_after_read=bool(raw.get("delete_after_read")),
        report_to=tuple(raw.get("report_to") or ()),
        enabled=bool(raw.get("enabled", True)),
        saved_at=str(raw.get("saved_at") or ""),
    )


def check_settings(values: Mapping[str, Any]) -> ImportSettings:
    """The settings a page, the API or the CLI sends, checked; raises ``InvalidSettings``."""
    sources = values.get("sources", ())
    if isinstance(sources, str):
        sources = [s for s in (p.strip() for p in sources.split(",")) if s]
    for source in sources:
        scheme = source.split("://", 1)[0].lower() if "://" in source else ""
        if scheme not in SCHEMES:
            raise InvalidSettings("sources", f"{source!r}: use one of {', '.join(SCHEMES)}")
    schedule = str(values.get("schedule") or "").strip()
    if schedule and (len(schedule.split()) != 5 or not croniter.is_valid(schedule)):
        raise InvalidSettings("schedule", f"{schedule!r} is not a cron expression (m h d M w)")
    report_to = values.get("report_to", ())
    if isinstance(report_to, str):
        report_to = [s for s in (p.strip() for p in report_to.split(",")) if s]
    for email in report_to:
        if problem := email_problem(str(email)):  # the report goes out with it in a header
            raise InvalidSettings("report_to", problem)
    return ImportSettings(
        sources=tuple(sources),
        schedule=schedule,
        delete_after_read=bool(values.get("delete_after_read", False)),
        report_to=tuple(report_to),
        enabled=bool(values.get("enabled", True)),
    )


def save_settings(uow: BulkUnitOfWork, clock: Clock, values: Mapping[str, Any]) -> ImportSettings:
    """Check and store the portal's import settings (the schedule counts from now). A source
    sent back as shown (password masked) keeps its stored password; passwords are sealed as
    they are written. Returns the settings as stored (passwords masked)."""
    portal = uow.portals.get(_portal_id(uow))
    stored = {hide_password(s): s for s in sources_to_fetch(uow.secrets, portal.settings)}
    checked = replace(check_settings(values), saved_at=clock.now().isoformat())
    sources = [stored.get(s, s) if f":{PASSWORD_MASK}@" in s else s for s in checked.sources]
    sealed = _sealed(uow.secrets, checked, sources)
    uow.portals.save(replace(portal, settings={**portal.settings, IMPORTS: sealed}))
    return settings_of({IMPORTS: sealed})


def _portal_id(uow: BulkUnitOfWork) -> int:
    if uow.portal_id is None:
        raise ValueError("a portal-scoped unit of work is needed")
    return uow.portal_id


def next_run(schedule: str, after: datetime) -> datetime:
    """The first moment after ``after`` the cron ``schedule`` names (UTC)."""
    moment: datetime = croniter(schedule, after).get_next(datetime)
    return moment


def due_portals(uow_factory: BulkUnitOfWorkFactory, clock: Clock) -> list[int]:
    """Active portals whose import schedule has come round since their last scheduled run."""
    now = clock.now()
    due = []
    with uow_factory(None) as uow:
        portals = uow.portals.list()
    for portal in portals:
        settings = settings_of(portal.settings)
        if not (settings.enabled and settings.schedule and settings.sources) or portal.id is None:
            continue
        with uow_factory(portal.id) as uow:
            last = uow.import_runs.last_started("schedule")
        since = last or (datetime.fromisoformat(settings.saved_at) if settings.saved_at else now)
        if next_run(settings.schedule, since) <= now:
            due.append(portal.id)
    return due


def run_portal_import(ports: BulkPorts, portal_id: int, trigger: str) -> list[ImportReport]:
    """Fetch and import the portal's configured XML files now (scheduled or "run now")."""
    with ports.uow(portal_id) as uow:
        return run_import(
            uow,
            ports.clock,
            reader=ports.sources,
            read_records=ports.read_records,
            trigger=trigger,
        )


def run_import(
    uow: BulkUnitOfWork,
    clock: Clock,
    *,
    reader: SourceReader,
    read_records: RecordReader,
    trigger: str = "manual",
) -> list[ImportReport]:
    """Import each configured file in turn; stop at the first failure (seed 002); delete the
    files read when asked; email the report. Commits as it goes."""
    portal = uow.portals.get(_portal_id(uow))
    settings = settings_of(portal.settings)
    sources = sources_to_fetch(uow.secrets, portal.settings)
    if settings.sources != tuple(hide_password(s) for s in settings.sources):
        # stored plain before passwords were sealed on write: seal them now
        sealed = _sealed(uow.secrets, settings, sources)
        uow.portals.save(replace(portal, settings={**portal.settings, IMPORTS: sealed}))
        uow.commit()
    reports: list[ImportReport] = []
    for source in sources:
        shown = hide_password(source)
        try:
            stream = reader.fetch(source)
        except SourceUnavailable as exc:
            reports.append(_failed_run(uow, clock, shown, trigger, str(exc)))
            break
        with stream:
            report = import_records(
                uow, clock, read_records(stream), channel="xml", source=shown, trigger=trigger
            )
        reports.append(report)
        if not report.ok:
            break
        if settings.delete_after_read:
            try:
                reader.remove(source)
            except SourceUnavailable as exc:
                report.warnings.append(f"the file was not deleted: {exc}")
    if settings.report_to and reports:
        _queue_report(uow, clock, settings.report_to, reports)
        uow.commit()
    return reports


def _failed_run(
    uow: BulkUnitOfWork, clock: Clock, source: str, trigger: str, error: str
) -> ImportReport:
    run_id = uow.import_runs.start("xml", source, trigger, clock.now())
    uow.import_runs.finish(
        run_id, clock.now(), status="failed", counts={}, warnings=[], error=error
    )
    uow.commit()
    return ImportReport(run_id, "xml", source, status="failed", error=error)


def _queue_report(
    uow: BulkUnitOfWork, clock: Clock, to: Sequence[str], reports: list[ImportReport]
) -> None:
    """Seed 002: «В отчете могут быть указаны ошибки и предупреждения. Если ошибок нет,
    приходит просто статус ОК»."""
    ok = all(r.ok for r in reports)
    lines = []
    for report in reports:
        lines.append(f"{report.source}: {'OK' if report.ok else 'ОШИБКА'}")
        lines.extend(f"  {k}: {v}" for k, v in sorted(report.counts.items()))
        if report.error:
            lines.append(f"  ошибка: {report.error}")
        lines.extend(f"  предупреждение: {w}" for w in report.warnings)
    uow.outbox.add(
        OutboxMessage(
            dedup_key=f"p{uow.portal_id}:import-report:{reports[-1].run_id}",
            recipients=tuple(to),
            subject=f"Импорт: {'OK' if ok else 'ошибка'}",
            body_text="\n".join(lines) + "\n",
            kind="import_report",
            portal_id=uow.portal_id,
        ),
        clock.now(),
    )
