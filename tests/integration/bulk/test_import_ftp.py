"""Scheduled XML import from a real FTP server on loopback (pyftpdlib; seed 002: the
landlord's files come from their FTP server): the file is imported, deleted when asked,
and a wrong password or a missing file is a failed run that names the file, not the password."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from backend.bootstrap import Container
from backend.services.import_schedule import run_portal_import
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.ftp_server import PASSWORD, USER, ftp_server
from tests.integration.bulk.test_import_schedule import configure, outbox, premises_count


def test_an_ftp_file_is_imported_and_left_in_place(container: Container, tmp_path: Path) -> None:
    portal_id = new_portal(container)
    remote = tmp_path / "offers.xml"
    remote.write_bytes(EXAMPLE_XML.read_bytes())
    with ftp_server(tmp_path) as port:
        url = f"ftp://{USER}:{PASSWORD}@127.0.0.1:{port}/offers.xml"
        configure(container, portal_id, sources=[url])
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error
    assert premises_count(container) == 5
    assert remote.read_bytes() == EXAMPLE_XML.read_bytes()
    assert PASSWORD not in report.source


def test_an_ftp_file_is_deleted_from_the_server_after_reading_when_asked(
    container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    (tmp_path / "export").mkdir()
    remote = tmp_path / "export" / "offers.xml"
    remote.write_bytes(EXAMPLE_XML.read_bytes())
    with ftp_server(tmp_path) as port:
        url = f"ftp://{USER}:{PASSWORD}@127.0.0.1:{port}/export/offers.xml"
        configure(container, portal_id, sources=[url], delete_after_read=True)
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error
    assert report.warnings == []
    assert premises_count(container) == 5
    assert not remote.exists()


def test_a_wrong_ftp_password_is_a_failed_run_that_never_shows_it(
    container: Container, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    portal_id = new_portal(container)
    (tmp_path / "offers.xml").write_bytes(EXAMPLE_XML.read_bytes())
    with ftp_server(tmp_path) as port:
        url = f"ftp://{USER}:wrong-pass@127.0.0.1:{port}/offers.xml"
        configure(container, portal_id, sources=[url], report_to="ops@landlord.example")
        with caplog.at_level(logging.DEBUG):
            (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert "530" in report.error  # the server's "login incorrect"
    assert premises_count(container) == 0
    with container.uow(portal_id) as uow:
        (logged,) = uow.import_runs.recent()
    ((_, _, body),) = outbox(container)
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("pyftpdlib")]
    shown = [report.error, report.source, str(logged), body, *ours]
    assert logged["status"] == "failed"
    assert not [text for text in shown if "wrong-pass" in text]


def test_a_missing_ftp_file_is_a_failed_run_naming_the_file(
    container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    with ftp_server(tmp_path) as port:
        url = f"ftp://{USER}:{PASSWORD}@127.0.0.1:{port}/missing-offers.xml"
        configure(container, portal_id, sources=[url])
        (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "failed"
    assert "missing-offers.xml" in report.error
    assert "550" in report.error  # the server's "no such file"
    assert PASSWORD not in report.error
    with container.uow(portal_id) as uow:
        (logged,) = uow.import_runs.recent()
    assert (logged["status"], logged["error"]) == ("failed", report.error)
