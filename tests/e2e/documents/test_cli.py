"""``rentflow documents render`` run as a user runs it: a JSON file in, files out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from backend.cli import main
from documents.qr.gost import parse_gost

ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "documents-input.json"
ALL_FILES = {"invoice.pdf", "invoice-qr.pdf", "act.pdf", "qr.png", "qr.svg", "qr-payload.txt"}


def _write_input(tmp_path: Path, change: Any = None) -> Path:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_render_writes_pdfs_qr_images_and_payload(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "documents", "render",
         str(_write_input(tmp_path)), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.iterdir()} == ALL_FILES
    payload = parse_gost((out / "qr-payload.txt").read_text(encoding="utf-8"))
    assert payload["Sum"] == "1234507"
    assert (out / "invoice-qr.pdf").read_bytes().startswith(b"%PDF")


def test_cp1251_on_demand_writes_a_windows_1251_payload(tmp_path: Path) -> None:
    def cp1251(data: dict[str, Any]) -> None:
        data["qr_encoding"] = "cp1251"

    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["documents", "render", str(_write_input(tmp_path, cp1251)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "qr-payload.txt").read_bytes().decode("cp1251").startswith("ST00011|")


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None and last != "vat_rate":
            del target[last]
        else:
            target[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("landlord.bank.bic", None), "landlord.bank: 'bic' is a required property"),
        (_set("landlord.bank.bic", ""), "landlord.bank.bic: is missing"),
        (_set("landlord.bank.account", "4070281093800000000"),
         "landlord.bank.account: must have 20 digits, got 19"),
        (_set("landlord.inn", "7707083894"), "landlord.inn: control digits of ИНН 7707083894"),
        (_set("lines.0.price", "-5.00"), "lines.0.price: '-5.00' does not match"),
        (_set("lines.0.price", "0.00"), "lines.0.price: must be positive"),
        (_set("invoice.purpose", "x" * 211), "qr.Purpose: is 211 characters long"),
        (_set("period.end", "2026-01-01"), "period.end: 2026-01-01 is before the start"),
        (_set("invoice.date", "2026-02-30"), "invoice.date: '2026-02-30' is not a 'date'"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_exits_2_and_writes_nothing(
    tmp_path: Path, change: Any, message: str
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["documents", "render", str(_write_input(tmp_path, change)), "--out", str(out)]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {message}")
    assert not out.exists()


def test_unreadable_json_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "input.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["documents", "render", str(bad), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not JSON" in result.output
    assert list(tmp_path.iterdir()) == [bad]


def test_documented_example_matches_the_schema_shipped_in_docs() -> None:
    import jsonschema

    schema = json.loads((ROOT / "docs" / "documents-input.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(EXAMPLE.read_text("utf-8")), schema)


@pytest.mark.parametrize(
    ("engine", "producer"), [("reportlab", "ReportLab"), ("weasyprint", "WeasyPrint")]
)
def test_the_preview_draws_the_shipped_templates_with_the_engine_asked_for(
    tmp_path: Path, engine: str, producer: str
) -> None:
    out = tmp_path / "out"
    args = ["documents", "render", str(_write_input(tmp_path)), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--engine", engine])
    assert result.exit_code == 0, result.output
    metadata = PdfReader(out / "act.pdf").metadata or {}
    assert producer in str(metadata.get("/Producer"))
