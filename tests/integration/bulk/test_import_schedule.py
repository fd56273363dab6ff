"""Scheduled XML import from real loopback servers (HTTP and SFTP): settings, the cron check,
the run log, deletion after reading, the emailed report, and sources that fail."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.db.tables import OutboxRow, PremisesRow
from backend.ports import FixedClock
from backend.services.import_schedule import (
    due_portals,
    run_portal_import,
    save_settings,
    sources_to_fetch,
)
from backend.services.portal_settings import InvalidSettings
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.loopback import free_port, serve
from tests.sftp_server import PASSWORD, USER, sftp_server


def configure(container: Container, portal_id: int, **values: Any) -> None:
    with container.uow(portal_id) as uow:
        save_settings(uow, container.clock, values)
        uow.commit()


def premises_count(container: Container) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PremisesRow)))  # type: ignore[attr-defined]


def outbox(container: Container) -> list[tuple[list[str], str, str]]:
    """(recipients, subject, body) of each queued message."""
    with container.uow(None) as uow:
        rows = uow.session.scalars(select(OutboxRow))  # type: ignore[attr-defined]
        return [(list(r.recipients), r.subject, r.body_text) for r in rows]


def file_app(body: bytes, status: str = "200 OK") -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, [("Content-Type", "application/xml")])
        return [body]

    return app


def test_a_wrong_cron_expression_is_refused_with_the_field(container: Container) -> None:
    portal_id = new_portal(container)
    with pytest.raises(InvalidSettings) as error:
        configure(container, portal_id, sources=["https://x.example/a.xml"], schedule="61 * * *")
    assert error.value.field == "schedule"


def test_a_source_that_is_no_url_is_refused(container: Container) -> None:
    portal_id = new_portal(container)
    with pytest.raises(InvalidSettings) as error:
        configure(container, portal_id, sources="/etc/passwd")
    assert error.value.field == "sources"


def test_run_now_imports_the_file_served_over_http_and_emails_ok(container: Container) -> None:
    portal_id = new_portal(container)
    with serve(file_app(EXAMPLE_XML.read_bytes())) as base:
        configure(
            container, portal_id, sources=f"{base}/offers.xml", report_to="ops@landlord.example"
        )
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok"
    assert premises_count(container) == 5
    ((recipients, subject, body),) = outbox(container)
    assert (recipients, subject) == (["ops@landlord.example"], "Импорт: OK")
    assert "premises_created: 5" in body
    with container.uow(portal_id) as uow:
        (logged,) = uow.import_runs.recent()
    assert (logged["status"], logged["source"]) == ("ok", f"{base}/offers.xml")


def test_an_unreachable_source_is_a_failed_run_in_the_log_and_the_report(
    container: Container,
) -> None:
    portal_id = new_portal(container)
    url = f"http://127.0.0.1:{free_port()}/offers.xml"
    configure(container, portal_id, sources=url, report_to="ops@landlord.example")
    (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert url in report.error
    assert outbox(container)[0][1] == "Импорт: ошибка"
    with container.uow(portal_id) as uow:
        assert uow.import_runs.recent()[0]["status"] == "failed"


def test_an_http_error_answer_is_a_failed_run(container: Container) -> None:
    portal_id = new_portal(container)
    with serve(file_app(b"gone", "404 Not Found")) as base:
        configure(container, portal_id, sources=f"{base}/offers.xml")
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert "HTTP 404" in report.error


def test_the_first_failing_file_stops_the_files_after_it(container: Container) -> None:
    portal_id = new_portal(container)
    with serve(file_app(b"<broken")) as base:
        configure(container, portal_id, sources=f"{base}/a.xml, {base}/b.xml")
        reports = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert [r.status for r in reports] == ["failed"]


def test_an_sftp_file_is_imported_then_deleted_when_asked(
    container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    (tmp_path / "export").mkdir()
    remote = tmp_path / "export" / "offers.xml"
    remote.write_bytes(EXAMPLE_XML.read_bytes())
    with sftp_server(tmp_path) as port:
        url = f"sftp://{USER}:{PASSWORD}@127.0.0.1:{port}/export/offers.xml"
        configure(container, portal_id, sources=[url], delete_after_read=True)
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error
    assert premises_count(container) == 5
    assert not remote.exists()
    assert PASSWORD not in report.source


def test_a_wrong_sftp_password_is_a_failed_run_that_does_not_show_it(
    container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    with sftp_server(tmp_path) as port:
        url = f"sftp://{USER}:wrong-pass@127.0.0.1:{port}/offers.xml"
        configure(container, portal_id, sources=[url])
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert "wrong-pass" not in report.error + report.source


def test_the_schedule_is_due_when_its_cron_comes_round_and_not_again_after_the_run(
    container: Container, clock: FixedClock
) -> None:
    portal_id = new_portal(container)
    clock.set(datetime(2026, 2, 1, 1, 0, tzinfo=UTC))
    with serve(file_app(EXAMPLE_XML.read_bytes())) as base:
        configure(container, portal_id, sources=f"{base}/x.xml", schedule="0 3 * * *")
        clock.set(datetime(2026, 2, 1, 2, 59, tzinfo=UTC))
        assert due_portals(container.uow, clock) == []
        clock.set(datetime(2026, 2, 1, 3, 0, tzinfo=UTC))
        assert due_portals(container.uow, clock) == [portal_id]
        run_portal_import(container.bulk_ports(), portal_id, "schedule")
    clock.set(datetime(2026, 2, 1, 23, 0, tzinfo=UTC))
    assert due_portals(container.uow, clock) == []
    clock.set(datetime(2026, 2, 2, 3, 0, tzinfo=UTC))
    assert due_portals(container.uow, clock) == [portal_id]


def test_a_source_sent_back_masked_keeps_its_stored_password(container: Container) -> None:
    portal_id = new_portal(container)
    configure(container, portal_id, sources=["sftp://landlord:s3cret@h:22/a.xml"])
    configure(
        container, portal_id, sources=["sftp://landlord:***@h:22/a.xml"], schedule="0 3 * * *"
    )
    with container.uow(portal_id) as uow:
        fetched = sources_to_fetch(uow.secrets, uow.portals.get(portal_id).settings)
    assert fetched == ("sftp://landlord:s3cret@h:22/a.xml",)
