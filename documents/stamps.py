"""The landlord's logo, stamp and signatures on the shipped ReportLab invoice and act.

Kept apart from ``reportlab_drawing.py`` on purpose: the drawing code calls ``logo`` at the
top of the story and ``signed`` around each signatory's line; both are no-ops for a landlord
without images, so a document without them is drawn exactly as before. The images are read from
the document storage by ``StoredImages`` (keys: ``backend.domain.landlord_images``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Spacer

from backend.domain.landlord_images import (
    ACCOUNTANT_SIGNATURE,
    DIRECTOR_SIGNATURE,
    LOGO,
    ROLES,
    STAMP,
    image_key,
)
from documents.storage import DocumentStorage, FileMissing

LOGO_HEIGHT, LOGO_WIDTH = 14 * mm, 60 * mm
SIGNATURE_BOX = (26 * mm, 9 * mm)  # width, height: over the line signed on
STAMP_SIDE = 32 * mm  # a round stamp is 40 mm; printed a bit smaller, over the signature


class StoredImages:
    """Reads a landlord's images from the document storage (missing ones are left out)."""

    def __init__(self, storage: DocumentStorage) -> None:
        self.storage = storage

    def for_landlord(self, landlord_id: int | None) -> dict[str, bytes]:
        if landlord_id is None:
            return {}
        found = {}
        for role in ROLES:
            try:
                found[role] = b"".join(self.storage.stream(image_key(landlord_id, role)))
            except FileMissing:
                continue
        return found


@lru_cache(maxsize=64)
def _reader(data: bytes) -> ImageReader:
    return ImageReader(io.BytesIO(data))


def _fit(data: bytes, width: float, height: float) -> tuple[float, float]:
    """The image's size scaled to fit ``width`` x ``height``, its proportions kept."""
    w, h = _reader(data).getSize()
    scale = min(width / w, height / h)
    return w * scale, h * scale


def logo(images: Mapping[str, bytes]) -> list[Flowable]:
    """The logo at the top left of the first page, or nothing."""
    data = images.get(LOGO)
    if not data:
        return []
    width, height = _fit(data, LOGO_WIDTH, LOGO_HEIGHT)
    image = Image(io.BytesIO(data), width, height, hAlign="LEFT")
    return [image, Spacer(1, 2 * mm)]


class _Signed(Flowable):  # type: ignore[misc]
    """A signatory's line with the signature drawn over it and the stamp beside, drawn
    over the neighbouring space as on paper (they take no room of their own)."""

    def __init__(self, line: Flowable, signature: bytes | None, stamp: bytes | None) -> None:
        super().__init__()
        self.line, self.signature, self.stamp = line, signature, stamp

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = self.line.wrap(available_width, available_height)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        return []

    def draw(self) -> None:
        self.line.drawOn(self.canv, 0, 0)
        base = self.height - 10  # about the line signed on (``_Signature`` draws it)
        if self.signature:
            width, height = _fit(self.signature, *SIGNATURE_BOX)
            self.canv.drawImage(
                _reader(self.signature), 2 * mm, base - 2.5 * mm, width, height, mask="auto"
            )
        if self.stamp:
            side = _fit(self.stamp, STAMP_SIDE, STAMP_SIDE)
            self.canv.drawImage(
                _reader(self.stamp), 30 * mm, base - side[1] / 2 - 5 * mm, *side, mask="auto"
            )


def signed(line: Flowable, images: Mapping[str, bytes], kind: str, index: int) -> Flowable:
    """``line`` of the ``index``-th signatory with the landlord's images: an invoice's
    director (signature and stamp) and accountant (signature); an act's executor, the
    landlord's director (signature and stamp). The tenant's line stays as it is."""
    if not images:
        return line
    if index == 0:
        signature, stamp = images.get(DIRECTOR_SIGNATURE), images.get(STAMP)
    elif index == 1 and kind == "invoice":
        signature, stamp = images.get(ACCOUNTANT_SIGNATURE), None
    else:
        return line
    if not signature and not stamp:
        return line
    return _Signed(line, signature, stamp)
