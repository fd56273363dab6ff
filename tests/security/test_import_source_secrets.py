"""Import sources' passwords at rest (issue 14 applied to issue 19): an SFTP/FTP/HTTP source's
password is sealed the moment the settings are saved (service, API v1, CLI), never in the
database file nor its WAL; the run unseals it and still logs in; the API and CLI show it masked;
a password stored plain before is sealed at the next run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from backend.bootstrap import Container
from backend.cli import main
from backend.db.tables import PremisesRow
from backend.services.api_keys import create_key
from backend.services.import_schedule import SEALED_PASSWORDS, run_portal_import, save_settings
from backend.web.app import create_app
from tests.bulk_world import EXAMPLE_XML, new_portal
from tests.sftp_server import PASSWORD, USER, sftp_server

NEEDLE = PASSWORD.encode()


@pytest.fixture
def sftp_url(tmp_path: Path) -> Iterator[str]:
    """The address, with its password, of an import file on a loopback SFTP server."""
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "offers.xml").write_bytes(EXAMPLE_XML.read_bytes())
    with sftp_server(tmp_path) as port:
        yield f"sftp://{USER}:{PASSWORD}@127.0.0.1:{port}/export/offers.xml"


def database_bytes(container: Container) -> bytes:
    """The SQLite database file and its WAL as they lie on disk."""
    url = container.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("reads the SQLite file and its WAL")
    path = Path(url.removeprefix("sqlite:///"))
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    return b"".join(p.read_bytes() for p in files)


def stored_imports(container: Container, portal_id: int) -> dict[str, Any]:
    with container.uow(portal_id) as uow:
        return dict(uow.portals.get(portal_id).settings["imports"])


def premises_count(container: Container) -> int:
    with container.uow(None) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(PremisesRow)))  # type: ignore[attr-defined]


def test_a_saved_sftp_password_is_nowhere_in_the_database_and_the_run_still_logs_in(
    container: Container, sftp_url: str
) -> None:
    portal_id = new_portal(container)
    with container.uow(portal_id) as uow:
        save_settings(uow, container.clock, {"sources": [sftp_url]})
        uow.commit()
    assert NEEDLE not in database_bytes(container)
    (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error
    assert premises_count(container) == 5
    assert NEEDLE not in database_bytes(container)


def test_the_api_seals_the_password_shows_it_masked_and_keeps_it_when_sent_back_masked(
    container: Container, sftp_url: str
) -> None:
    portal_id = new_portal(container)
    with container.uow(portal_id) as uow:
        _, key = create_key(uow, container.clock, portal_id, "test", ("read", "write"))
        uow.commit()
    client = create_app(container=container).test_client()
    auth = {"Authorization": f"Bearer {key}"}
    put = client.put("/api/v1/imports/settings", json={"sources": [sftp_url]}, headers=auth)
    assert put.status_code == 200, put.get_data(as_text=True)
    shown = client.get("/api/v1/imports/settings", headers=auth)
    masked = sftp_url.replace(f":{PASSWORD}@", ":***@")
    assert shown.get_json()["sources"] == [masked]
    assert PASSWORD not in put.get_data(as_text=True) + shown.get_data(as_text=True)
    again = {"sources": [masked], "schedule": "0 3 * * *"}
    assert client.put("/api/v1/imports/settings", json=again, headers=auth).status_code == 200
    assert NEEDLE not in database_bytes(container)
    (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error


def test_the_cli_settings_command_seals_the_password_and_never_prints_it(
    container: Container, sftp_url: str
) -> None:
    portal_id = new_portal(container)
    settings = container.settings
    env = {"DATABASE_URL": settings.database_url, "RENTFLOW_VAR_DIR": str(settings.var_dir),
           "FERNET_KEY": settings.fernet_key, "SECRET_KEY": settings.secret_key}  # fmt: skip
    runner = CliRunner()
    portal = ("import", "settings", "--portal", str(portal_id))
    saved = runner.invoke(main, [*portal, "--source", sftp_url], env=env)
    changed = runner.invoke(main, [*portal, "--schedule", "0 3 * * *"], env=env)
    shown = runner.invoke(main, list(portal), env=env)
    for result in (saved, changed, shown):
        assert result.exit_code == 0, result.output
        assert PASSWORD not in result.output
    masked = sftp_url.replace(f":{PASSWORD}@", ":***@")
    assert json.loads(shown.output)["sources"] == [masked]
    assert NEEDLE not in database_bytes(container)
    (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error


def test_a_password_stored_plain_before_sealing_is_sealed_at_the_next_run(
    container: Container, sftp_url: str
) -> None:
    portal_id = new_portal(container)
    with container.uow(portal_id) as uow:
        portal = uow.portals.get(portal_id)
        uow.portals.save(replace(portal, settings={"imports": {"sources": [sftp_url]}}))
        uow.commit()
    (report,) = run_portal_import(container.bulk_ports(), portal_id, "manual")
    assert report.status == "ok", report.error
    stored = stored_imports(container, portal_id)
    assert PASSWORD not in json.dumps(stored["sources"])
    assert stored[SEALED_PASSWORDS]
    with container.uow(portal_id) as uow:
        assert uow.secrets.decrypt(stored[SEALED_PASSWORDS]) == {"passwords": [PASSWORD]}
