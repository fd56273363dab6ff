"""``rentflow documents render INPUT.json --out DIR``: how a landlord previews templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import click

from backend.domain.errors import InvalidLease, InvalidRequisites
from documents.engines import ENGINES
from documents.errors import InvalidDocumentData
from documents.input import parse_request

BAD_INPUT = 2


@click.group("documents")
def documents() -> None:
    """Invoices, QR invoices and acts."""


def _fail(field: str, reason: str) -> NoReturn:
    click.echo(f"error: {field}: {reason}", err=True)
    raise SystemExit(BAD_INPUT)


@documents.command("render")
@click.argument("input_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Directory of per-landlord template overrides (one sub-directory per template_key).",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=ENGINES[0],
    show_default=True,
    help="What draws the shipped templates (a landlord's own always use weasyprint).",
)
def render(input_file: Path, out_dir: Path, templates_dir: Path | None, engine: str) -> None:
    """Render invoice, QR invoice, act, QR images and QR payload text from INPUT_FILE.

    The input follows docs/documents-input.schema.json. On bad input one line names the
    field and the reason, the exit code is 2 and nothing is written.
    """
    try:
        data = json.loads(input_file.read_text(encoding="utf-8"))
    except OSError as error:
        _fail(str(input_file), error.strerror or str(error))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        _fail(str(input_file), f"is not JSON: {error}")
    # the engines load here, not when any ``rentflow`` command starts (WeasyPrint: ~0.5 s)
    from documents.bundle import render_bundle
    from documents.render import DocumentRenderer

    try:
        files = render_bundle(parse_request(data), DocumentRenderer(templates_dir, engine))
    except (InvalidDocumentData, InvalidRequisites, InvalidLease) as error:
        _fail(error.field, error.reason)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (out_dir / name).write_bytes(content)
        click.echo(str(out_dir / name))
