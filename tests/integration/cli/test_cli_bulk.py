"""``rentflow import``, ``export excel``, ``feeds cian`` and ``api-keys`` through click."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree
from openpyxl import load_workbook

from backend.bootstrap import Container
from backend.cli import main
from backend.config import Settings
from tests.bulk_world import EXAMPLE_XML, import_xml, new_portal

Invoke = Callable[..., Result]


@pytest.fixture
def cli(settings: Settings, container: Container) -> Invoke:
    env = {
        "DATABASE_URL": settings.database_url,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "FERNET_KEY": settings.fernet_key,
        "SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), env=env)

    return invoke


def test_import_xml_prints_the_counts_and_the_log_lists_the_run(
    cli: Invoke, container: Container
) -> None:
    portal_id = new_portal(container)
    result = cli("import", "xml", str(EXAMPLE_XML), "--portal", str(portal_id))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"]["premises_created"] == 5
    log = json.loads(cli("import", "log", "--portal", str(portal_id)).output)
    assert [run["status"] for run in log] == ["ok"]


def test_a_failed_import_exits_1_and_names_the_record(
    cli: Invoke, container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(import_xml(premises='<premises building="Б" number="1" area="0"/>'))
    result = cli("import", "xml", str(bad), "--portal", str(portal_id))
    assert result.exit_code == 1
    assert "premises #1 (line 1, 1): area: the area must be above zero" in result.output


def test_a_wrong_cron_expression_is_refused_by_the_settings_command(
    cli: Invoke, container: Container
) -> None:
    portal_id = new_portal(container)
    result = cli(
        "import", "settings", "--portal", str(portal_id),
        "--source", "https://files.example/a.xml", "--schedule", "every night",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "schedule" in result.output


def test_export_excel_writes_the_premises_and_import_excel_reads_them_back(
    cli: Invoke, container: Container, tmp_path: Path
) -> None:
    first, second = new_portal(container, "m-1"), new_portal(container, "m-2")
    cli("import", "xml", str(EXAMPLE_XML), "--portal", str(first))
    out = tmp_path / "premises.xlsx"
    exported = cli("export", "excel", "premises", "--portal", str(first), "--out", str(out))
    assert json.loads(exported.output)["rows"] == 5
    assert load_workbook(out).sheetnames == ["Помещения"]
    result = cli("import", "excel", str(out), "--portal", str(second))
    assert json.loads(result.output)["counts"]["premises_created"] == 5


def test_feeds_cian_writes_a_feed_and_prints_its_url(
    cli: Invoke, container: Container, tmp_path: Path
) -> None:
    portal_id = new_portal(container)
    cli("import", "xml", str(EXAMPLE_XML), "--portal", str(portal_id))
    out = tmp_path / "cian.xml"
    result = cli(
        "feeds", "cian", "--portal", str(portal_id), "--out", str(out), "--mode", "per_floor"
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["url"].startswith("http://127.0.0.1:8000/feeds/")
    assert printed["lots"] == 2
    assert len(etree.parse(str(out)).findall("object")) == 2


def test_api_keys_are_created_once_shown_and_revoked(cli: Invoke, container: Container) -> None:
    portal_id = new_portal(container)
    made = json.loads(
        cli("api-keys", "create", "--portal", str(portal_id), "--scope", "write").output
    )
    assert made["key"].startswith("rf_")
    listed = cli("api-keys", "list", "--portal", str(portal_id)).output
    assert made["key"] not in listed
    revoked = cli("api-keys", "revoke", str(made["id"]), "--portal", str(portal_id))
    assert revoked.exit_code == 0
    again = cli("api-keys", "revoke", str(made["id"]), "--portal", str(portal_id))
    assert again.exit_code == 1
