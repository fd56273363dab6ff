"""Flowables of our own for ``reportlab_drawing``: a paragraph laid out once per width, and
the payment QR code and its caption, which the plain invoice's copy leaves out (``pdf_pair``).
"""

from __future__ import annotations

import hashlib
import io
import zlib
from typing import Any

from PIL import Image as PILImage
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.platypus import Flowable, Paragraph

from documents.pdf_pair import PairCanvas


class WrappedOnce(Paragraph):  # type: ignore[misc]
    """A paragraph that breaks its lines once per width: a table wraps its cells to measure
    the rows, then again to draw them (``Table._listCellGeom``), and the lines and height of
    ``Paragraph.wrap`` depend on the width only."""

    _wrapped_at: float | None = None

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        # Paragraph.split drops blPara when it moves the paragraph on whole: wrap anew then
        if available_width != self._wrapped_at or not hasattr(self, "blPara"):
            super().wrap(available_width, available_height)
            self._wrapped_at = available_width
        return self.width, self.height


class QrOnly:
    """Mixin for a flowable drawn on the QR invoice only: its drawing is marked on a
    ``PairCanvas`` (``Flowable.drawOn`` wraps it in saveState/restoreState)."""

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        start, forms = len(canvas._code), len(canvas._formsinuse)
        super().drawOn(canvas, x, y, _sW)  # type: ignore[misc]
        if isinstance(canvas, PairCanvas):
            canvas.spans.append((start, len(canvas._code)))
            canvas.qr_forms.update(canvas._formsinuse[forms:])


class QrImage(QrOnly, Flowable):  # type: ignore[misc]
    """The payment QR code (a black-and-white PNG) drawn ``side`` x ``side`` as a 1-bit image:
    what ``platypus.Image`` draws, without ReportLab turning the code into RGB and deflating
    it (86 KB of pixels for 4 KB of bits: a millisecond an invoice)."""

    def __init__(self, png: bytes, side: float) -> None:
        super().__init__()
        self.png, self.width, self.height = png, side, side

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas, name = self.canv, "QR" + hashlib.sha256(self.png).hexdigest()[:32]
        internal = canvas._doc.getXObjectName(name)
        if internal not in canvas._doc.idToObject:
            symbol = PILImage.open(io.BytesIO(self.png)).convert("1")
            image = PDFImageXObject(name)  # ReportLab's canned image, replaced here
            image.width, image.height = symbol.size
            image.bitsPerComponent, image.colorSpace = 1, "DeviceGray"  # 0 black, as in "1"
            image.streamContent, image._filters = zlib.compress(symbol.tobytes()), ("FlateDecode",)
            canvas._doc.addForm(name, image)
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas._code.append(f"/{internal} Do")
        canvas.restoreState()
        canvas._formsinuse.append(name)


class QrCaption(QrOnly, WrappedOnce):
    """The code's caption, left out with it."""
