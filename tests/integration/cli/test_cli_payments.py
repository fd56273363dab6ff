"""``rentflow payments import|review|allocate`` through click, on the test databases."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from backend.bootstrap import Container
from backend.cli import main
from backend.config import Settings
from backend.services.statement_folder import import_folder
from tests.payments_world import build_world, statement_file


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "FERNET_KEY": settings.fernet_key,
        "SECRET_KEY": settings.secret_key,
    }


def test_import_prints_a_json_summary_and_a_second_run_adds_nothing(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    build_world(container)
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(statement_file())
    runner = CliRunner()
    first = runner.invoke(main, ["payments", "import", str(path)], env=_env(settings))
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["added"] == 4
    assert summary["invoices_paid"] == ["БП-000101", "БП-000103"]
    second = runner.invoke(main, ["payments", "import", str(path)], env=_env(settings))
    assert json.loads(second.output)["added"] == 0


def test_review_and_manual_allocation_from_the_command_line(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    world = build_world(container)
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(statement_file())
    runner = CliRunner()
    runner.invoke(main, ["payments", "import", str(path)], env=_env(settings))
    listed = json.loads(runner.invoke(main, ["payments", "review"], env=_env(settings)).output)
    assert [item["unallocated"] for item in listed] == ["5000.00"]
    args = ["payments", "allocate", str(listed[0]["payment_id"]), "5000.00",
            "--lease", str(world.lease_id)]  # fmt: skip
    done = runner.invoke(main, args, env=_env(settings))
    assert done.exit_code == 0, done.output
    assert json.loads(runner.invoke(main, ["payments", "review"], env=_env(settings)).output) == []


def test_a_file_that_is_not_a_statement_is_refused_with_a_clear_message(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    build_world(container)
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n")
    result = CliRunner().invoke(main, ["payments", "import", str(path)], env=_env(settings))
    assert result.exit_code == 1
    assert "not a 1C bank statement" in result.output


def test_the_watched_folder_imports_each_file_once_and_files_it_away(
    container: Container, tmp_path: Path
) -> None:
    world = build_world(container)
    inbox = tmp_path / "watch" / str(world.portal_id)
    inbox.mkdir(parents=True)
    (inbox / "kl_to_1c.txt").write_bytes(statement_file())
    (inbox / "junk.txt").write_bytes(b"hello")
    results = import_folder(container.uow, container.clock, tmp_path / "watch")
    by_name = {r.path.name: r for r in results}
    assert by_name["kl_to_1c.txt"].summary is not None
    assert by_name["kl_to_1c.txt"].summary.added == 4
    assert "not a 1C bank statement" in by_name["junk.txt"].error
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    assert len(list((inbox / "done").glob("*.json"))) == 1
    assert len(list((inbox / "failed").glob("*.error.txt"))) == 1
    assert import_folder(container.uow, container.clock, tmp_path / "watch") == []


def test_a_statement_cut_short_exits_non_zero_naming_the_line_and_imports_nothing(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    build_world(container)
    data = statement_file()
    path = tmp_path / "cut.txt"
    path.write_bytes(data[: data.index("КонецФайла".encode("cp1251"))])
    runner = CliRunner()
    result = runner.invoke(main, ["payments", "import", str(path)], env=_env(settings))
    assert result.exit_code == 1
    assert "refused" in result.output
    assert "no КонецФайла" in result.output
    assert "line " in result.output
    listed = json.loads(runner.invoke(main, ["payments", "review"], env=_env(settings)).output)
    assert listed == []


def test_the_watched_folder_files_a_broken_statement_away_whole(
    container: Container, tmp_path: Path
) -> None:
    world = build_world(container)
    inbox = tmp_path / "watch" / str(world.portal_id)
    inbox.mkdir(parents=True)
    data = statement_file().replace(
        "Сумма=40000.00".encode("cp1251"), "Сумма=1E+50".encode("cp1251")
    )
    (inbox / "kl_to_1c.txt").write_bytes(data)
    (result,) = import_folder(container.uow, container.clock, tmp_path / "watch")
    assert result.summary is None
    assert "1E+50" in result.error
    assert len(list((inbox / "failed").glob("*.error.txt"))) == 1
    with container.uow(world.portal_id) as uow:
        assert uow.payments.allocations(lease_id=world.lease_id) == []
