"""The plain invoice ReportLab copies from the QR invoice's pages (documents.pdf_pair): the
very words, in the very places, of the plain invoice drawn on its own, and no QR code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from documents import reportlab_drawing
from documents.input import parse_request
from documents.payment_qr import payment_qr
from documents.view import DocumentView, build_view

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "documents-input.json"


def _view(**changes: Any) -> DocumentView:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value
    request = parse_request(data)
    code = payment_qr(request.lease, request.invoice)
    return build_view(request.lease, request.invoice, qr_data_uri=code.images.png_data_uri)


def _run(args: list[str], pdf: bytes, tmp_path: Path) -> str:
    """Run a poppler-utils tool on ``pdf``; pdftotext writes to stdout when told "-"."""
    (tmp_path / "doc.pdf").write_bytes(pdf)
    args = [*args, "doc.pdf", *(["-"] if args[0] == "pdftotext" else [])]
    done = subprocess.run(args, cwd=tmp_path, check=True, capture_output=True, text=True)
    return done.stdout


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"lines": [{"premises": f"P-{n}", "price": "1500.00"} for n in range(1, 81)]},
        # letters beyond the preset subsets (pdf_fonts.PRESET): numbered as the text meets them
        {"tenant__name": "Société Générale Łódź ÆØÅ", "language": "en"},
    ],
    ids=["one page", "over pages", "other letters"],
)
def test_the_copied_plain_invoice_is_the_one_drawn_on_its_own(
    changes: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _view(**changes)
    drawn = reportlab_drawing.draw_pdf(view)
    monkeypatch.setattr(reportlab_drawing, "draw_pdf", None)  # the copy, not a second drawing
    with_qr, plain = reportlab_drawing.draw_invoice_pair(view)
    words = _run(["pdftotext", "-bbox"], plain, tmp_path)
    assert words == _run(["pdftotext", "-bbox"], drawn, tmp_path)
    assert words.count("<word ") > 100
    assert "QR" in _run(["pdftotext"], with_qr, tmp_path)
    assert "QR" not in _run(["pdftotext"], plain, tmp_path)
    assert len(_run(["pdfimages", "-list"], plain, tmp_path).splitlines()) == 2  # heads only
    assert len(_run(["pdfimages", "-list"], with_qr, tmp_path).splitlines()) == 3  # the code
