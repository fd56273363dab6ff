"""``rentflow schedule``: JSON in, the schedule out; bad input is one line, exit 2.

The documented example runs as the ``rentflow`` process does (``python -m backend.cli``);
the other cases call the same command in this process (click's runner: its exit code, its
stdout and stderr apart), without starting an interpreter for each."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "lease-input.md"


def example() -> dict[str, Any]:
    match = re.search(r"```json\n(.*?)```", DOC.read_text("utf-8"), re.DOTALL)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "lease.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


def run_process(tmp_path: Path, data: object, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "schedule", str(_write(tmp_path, data)), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )


def run(tmp_path: Path, data: object, *args: str) -> subprocess.CompletedProcess[str]:
    """``rentflow schedule`` in this process, answered as ``run_process`` answers."""
    from backend.cli import main

    umask = os.umask(0o022)  # the command sets the process's umask: this process's is kept
    try:
        done = CliRunner().invoke(main, ["schedule", str(_write(tmp_path, data)), *args])
    finally:
        os.umask(umask)
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        raise done.exception
    return subprocess.CompletedProcess(["rentflow"], done.exit_code, done.stdout, done.stderr)


def test_the_documented_example_prints_its_schedule(tmp_path: Path) -> None:
    result = run_process(tmp_path, example(), "--today", "2020-03-01")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["status"] == "active"
    assert out["registration_required"] is True
    invoices = [i for i in out["items"] if i["kind"] == "invoice"]
    february = next(i for i in invoices if i["period_start"].startswith("2020-02"))
    assert (february["period_start"], february["period_end"]) == ("2020-02-20", "2020-02-29")
    assert february["total"] == "34482.76"
    june = next(i for i in invoices if i["period_start"] == "2020-06-01")
    # 14/30 of 100 000 and 16/30 of 116 000
    assert [line["amount"] for line in june["lines"]] == ["46666.67", "61866.67"]
    assert june["total"] == "108533.34"
    assert Decimal(june["vat"]) == sum(Decimal(line["vat"]) for line in june["lines"])


def test_all_ignores_issued_documents(tmp_path: Path) -> None:
    result = run(tmp_path, example(), "--all")
    invoices = [i for i in json.loads(result.stdout)["items"] if i["kind"] == "invoice"]
    assert invoices[1]["period_start"] == "2020-02-01"
    assert invoices[1]["total"] == "100000.00"


def test_the_docs_schema_is_the_packaged_one() -> None:
    from backend.services.lease_json import lease_schema

    assert json.loads((ROOT / "docs" / "lease.schema.json").read_text("utf-8")) == lease_schema()


def _without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: _without(d, "start"), "error: start: is required"),
        (
            lambda d: {**d, "landlord": _without(d["landlord"], "bank")},
            "error: landlord.bank: is required",
        ),
        (lambda d: {**d, "end": "2019-12-31"}, "error: end: 2019-12-31 is before start 2020-01-01"),
        (
            lambda d: {**d, "billing": {"unit": "fortnight"}},
            "error: billing.unit: 'fortnight' is not one of: day, week, month, quarter, year",
        ),
        (lambda d: {**d, "rent": {"amount": "-5"}}, "error: rent.amount: must not be negative"),
        (lambda d: {**d, "rent": {"amount": "сто"}}, "error: rent.amount: 'сто' is not a number"),
        (lambda d: {**d, "start": "2020-02-30"}, "error: start: '2020-02-30' is not a valid date"),
        (
            lambda d: {**d, "premises": [{"code": "101", "area_m2": "-1"}]},
            "error: premises[0].area_m2: must not be negative",
        ),
        (
            # issue 17 case 6: 7702070130's control digit should be 9 (sum 141 mod 11 = 9)
            lambda d: {**d, "tenant": {**d["tenant"], "inn": "7702070130"}},
            "error: tenant.inn: control digits of ИНН 7702070130 do not match",
        ),
        (
            lambda d: {**d, "tenant": {**d["tenant"], "kpp": "12"}},
            "error: tenant.kpp: must be 9 characters NNNNPPNNN, got '12'",
        ),
        (
            lambda d: {**d, "landlord": {**d["landlord"], "inn": "7707083890"}},
            "error: landlord.inn: control digits of ИНН 7707083890 do not match",
        ),
        (
            lambda d: {**d, "landlord": {**d["landlord"], "ogrn": "1027700132196"}},
            "error: landlord.ogrn: control digit of ОГРН 1027700132196 does not match",
        ),
        (
            lambda d: {**d, "colour": "red"},
            "error: lease: Additional properties are not allowed ('colour' was unexpected)",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_exit_2(
    tmp_path: Path, change: Any, expected: str
) -> None:
    result = run(tmp_path, change(example()))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == expected
    assert "Traceback" not in result.stderr


def test_broken_json_is_reported_with_its_position(tmp_path: Path) -> None:
    result = run(tmp_path, '{"number": "1",\n "date": }')
    assert result.returncode == 2
    assert re.fullmatch(
        r"error: .*lease\.json: not valid JSON: Expecting value at line 2 column 10\n",
        result.stderr,
    )
