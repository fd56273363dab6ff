"""``rentflow leases create``, ``rentflow invoices list`` and a database never migrated:
what an accountant runs to check a lease and a statement's effect from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backend.bootstrap import Container
from backend.cli import main
from backend.config import Settings
from backend.services.portals import install_portal
from tests.payments_world import build_world, statement_file

ROOT = Path(__file__).resolve().parents[3]


def _env(settings: Settings) -> dict[str, str]:
    return {
        "DATABASE_URL": settings.database_url,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "FERNET_KEY": settings.fernet_key,
        "SECRET_KEY": settings.secret_key,
    }


def _example() -> dict[str, Any]:
    text = (ROOT / "docs" / "lease-input.md").read_text("utf-8")
    match = re.search(r"```json\n(.*?)```", text, re.DOTALL)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    data.pop("issued")
    return data


def _portal(container: Container) -> int:
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="cli-1")
        uow.commit()
    assert portal.id is not None
    return portal.id


def test_leases_create_stores_the_lease_and_plans_its_documents(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    portal_id = _portal(container)
    data = {**_example(), "due_reminder_days": [7, 1], "penalty_invoicing": "monthly"}
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    args = ["leases", "create", str(path), "--portal", str(portal_id)]
    result = CliRunner().invoke(main, args, env=_env(settings))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # 2020-01-01..2020-12-31 billed monthly: twelve invoices and twelve acts
    assert (out["planned_invoices"], out["planned_acts"]) == (12, 12)
    with container.uow(portal_id) as uow:
        lease = uow.leases.get(out["lease_id"])
    assert (lease.number, lease.tenant.inn) == ("А-15/2020", "7728168971")
    assert (lease.due_reminder_days, lease.penalty_invoicing.value) == ((7, 1), "monthly")


def test_leases_create_refuses_a_wrong_tenant_inn_in_one_line_and_stores_nothing(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    portal_id = _portal(container)
    data = _example()
    data["tenant"]["inn"] = "7702070130"
    path = tmp_path / "lease.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    args = ["leases", "create", str(path), "--portal", str(portal_id)]
    result = CliRunner().invoke(main, args, env=_env(settings))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: tenant.inn: control digits of ИНН 7702070130 do not match"
    )
    with container.uow(portal_id) as uow:
        assert uow.leases.list() == []


def test_invoices_list_shows_what_a_statement_paid_and_what_is_still_owed(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    world = build_world(container)
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(statement_file())
    runner = CliRunner()
    assert runner.invoke(main, ["payments", "import", str(path)], env=_env(settings)).exit_code == 0
    listed = runner.invoke(
        main, ["invoices", "list", "--portal", str(world.portal_id), "--json"], env=_env(settings)
    )
    assert listed.exit_code == 0, listed.output
    rows = {r["number"]: (r["total"], r["paid"], r["outstanding"], r["status"])
            for r in json.loads(listed.output)}  # fmt: skip
    # the statement: 100 000 on № 101, 40 000 on № 102, 130 000 on № 103 (30 000 advance)
    assert rows == {
        "БП-000101": ("100000.00", "100000.00", "0.00", "paid"),
        "БП-000102": ("100000.00", "40000.00", "60000.00", "partially_paid"),
        "БП-000103": ("100000.00", "100000.00", "0.00", "paid"),
    }
    partial = runner.invoke(
        main, ["invoices", "list", "--status", "partially_paid", "--lease", str(world.lease_id)],
        env=_env(settings),
    )  # fmt: skip
    lines = partial.output.splitlines()
    assert len(lines) == 2
    assert "БП-000102" in lines[1]
    assert "60000.00" in lines[1]


@pytest.mark.parametrize(
    "args",
    [
        ["payments", "import", "{statement}"],
        ["invoices", "list", "--portal", "1"],
        ["leases", "create", "{lease}", "--portal", "1"],
        ["payments", "review"],
    ],
)
def test_a_database_never_migrated_says_to_run_db_upgrade(tmp_path: Path, args: list[str]) -> None:
    statement = tmp_path / "s.txt"
    statement.write_bytes(statement_file())
    lease = tmp_path / "lease.json"
    lease.write_text(json.dumps(_example(), ensure_ascii=False), "utf-8")
    args = [a.format(statement=statement, lease=lease) for a in args]
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "RENTFLOW_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1
    assert "run `rentflow db upgrade`" in result.output
    assert "Traceback" not in result.output
    assert "no such table" not in result.output


def test_invoices_penalty_invoices_what_a_late_payment_left_and_the_list_shows_it(
    container: Container, settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace
    from datetime import date
    from decimal import Decimal

    from tests.payments_world import doc

    world = build_world(container)
    with container.uow(world.portal_id) as uow:
        lease = uow.leases.get(world.lease_id)
        uow.leases.save(replace(lease, penalty_rate_per_day=Decimal("0.1")))
        uow.commit()
    path = tmp_path / "late.txt"
    # № 101, 100 000 due 10.02.2026, paid on 15.02: 5 days x 100.00 = 500.00 of пени
    late = doc("51", "100000.00", "Оплата по счету № 101", on=date(2026, 2, 15))
    path.write_bytes(statement_file(docs=[late]))
    runner, env = CliRunner(), _env(settings)
    assert runner.invoke(main, ["payments", "import", str(path)], env=env).exit_code == 0
    args = ["invoices", "penalty", str(world.lease_id), "--until", "2026-02-15"]
    made = runner.invoke(main, args, env=env)
    assert made.exit_code == 0, made.output
    penalty = json.loads(made.output)
    assert (penalty["total"], penalty["period"]) == ("500.00", ["2026-02-11", "2026-02-15"])
    again = runner.invoke(main, args, env=env)
    assert json.loads(again.output)["invoiced"] is None
    listed = json.loads(runner.invoke(main, ["invoices", "list", "--json"], env=env).output)
    (row,) = [r for r in listed if r["purpose"] == "penalty"]
    assert (row["number"], row["outstanding"]) == (penalty["number"], "500.00")
