"""A landlord's logo, stamp and signatures on the shipped invoice and act ("счёт с печатью и
подписью"): checked where they enter, stored, drawn by ReportLab, and absent when none."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from backend.domain.landlord_images import (
    ACCOUNTANT_SIGNATURE,
    DIRECTOR_SIGNATURE,
    LOGO,
    MAX_BYTES,
    STAMP,
    image_key,
)
from backend.services.landlord_images import image_problem
from documents.input import parse_request
from documents.publishing import PdfDocuments
from documents.render import ENGINES, DocumentRenderer
from documents.stamps import StoredImages
from documents.storage import LocalDiskStorage

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "documents-input.json"
LANDLORD_ID = 5


def picture(fmt: str = "PNG", size: tuple[int, int] = (120, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 60, 200)).save(out, format=fmt)
    return out.getvalue()


def _images_in(pdf: bytes, tmp_path: Path) -> list[str]:
    """``pdfimages -list``'s rows (poppler-utils): one per image XObject drawn."""
    (tmp_path / "doc.pdf").write_bytes(pdf)
    listed = subprocess.run(
        ["pdfimages", "-list", "doc.pdf"], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return listed[2:]  # two header lines


def _render(storage: LocalDiskStorage, engine: str = "reportlab") -> dict[str, bytes]:
    request = parse_request(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    lease = replace(request.lease, landlord=replace(request.lease.landlord, id=LANDLORD_ID))
    pdfs = PdfDocuments(DocumentRenderer(engine=engine), images=StoredImages(storage))
    files = pdfs.render_files(lease, request.invoice)
    if request.act is not None:
        files |= pdfs.render_files(lease, request.act)
    return files


@pytest.mark.parametrize("engine", ENGINES)
def test_an_invoice_and_act_with_a_stamp_print_it_and_without_one_do_not(
    tmp_path: Path, engine: str
) -> None:
    storage = LocalDiskStorage(tmp_path / "files")
    plain = _render(storage, engine)
    assert _images_in(plain["invoice"], tmp_path) == []
    assert len(_images_in(plain["invoice_qr"], tmp_path)) == 1  # the QR code only

    storage.put(image_key(LANDLORD_ID, STAMP), picture("PNG"))
    stamped = _render(storage, engine)
    assert len(_images_in(stamped["invoice"], tmp_path)) == 1
    assert len(_images_in(stamped["act"], tmp_path)) == 1

    storage.put(image_key(LANDLORD_ID, LOGO), picture("JPEG", (400, 100)))
    with_logo = _images_in(_render(storage, engine)["invoice"], tmp_path)
    assert len(with_logo) == 2
    assert any(" jpeg " in f" {row} " or "dct" in row for row in with_logo)


def _sizes(rows: list[str]) -> list[tuple[int, int]]:
    """The pixel width and height of each image ``pdfimages -list`` listed."""
    return sorted((int(row.split()[3]), int(row.split()[4])) for row in rows)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_signatories_signatures_are_printed_each_on_its_own_document(
    tmp_path: Path, engine: str
) -> None:
    storage = LocalDiskStorage(tmp_path / "files")
    # sizes tell the pictures apart in the PDF: the director's 300x100, the accountant's 200x80
    storage.put(image_key(LANDLORD_ID, DIRECTOR_SIGNATURE), picture("PNG", (300, 100)))
    storage.put(image_key(LANDLORD_ID, ACCOUNTANT_SIGNATURE), picture("PNG", (200, 80)))
    signed = _render(storage, engine)
    # the invoice is signed by the director and the chief accountant
    assert _sizes(_images_in(signed["invoice"], tmp_path)) == [(200, 80), (300, 100)]
    # the act by the landlord's director only; the tenant's line stays blank
    assert _sizes(_images_in(signed["act"], tmp_path)) == [(300, 100)]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (picture("PNG"), ""),
        (picture("JPEG"), ""),
        (picture("GIF"), "format"),
        (b"%PDF-1.4 not a picture", "not_image"),
        (picture("PNG")[:60], "not_image"),  # cut short
        (b"", "empty"),
        (picture("PNG") + b"\0" * MAX_BYTES, "too_big"),
        (picture("PNG", (6000, 10)), "too_large_image"),
    ],
)
def test_an_image_is_checked_where_it_enters(data: bytes, problem: str) -> None:
    assert image_problem(data) == problem
