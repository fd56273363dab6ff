"""``rentflow onec export`` through click."""

from __future__ import annotations

import json

from click.testing import CliRunner

from backend.bootstrap import Container
from backend.cli import main
from backend.config import Settings
from tests.payments_world import build_world


def test_export_writes_the_month_once_and_says_so(container: Container, settings: Settings) -> None:
    build_world(container)
    env = {
        "DATABASE_URL": settings.database_url,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "FERNET_KEY": settings.fernet_key,
        "SECRET_KEY": settings.secret_key,
    }
    runner = CliRunner()
    first = runner.invoke(main, ["onec", "export", "--month", "2026-02"], env=env)
    assert first.exit_code == 0, first.output
    result = json.loads(first.output)
    assert result["invoices"] == 1
    assert (settings.var_dir / "documents" / result["storage_key"]).exists()
    second = json.loads(
        runner.invoke(main, ["onec", "export", "--month", "2026-02"], env=env).output
    )
    assert second["documents"] == 0
    bad = runner.invoke(main, ["onec", "export", "--month", "февраль"], env=env)
    assert bad.exit_code == 2
