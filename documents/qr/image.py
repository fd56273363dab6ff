"""Render a payment payload as a QR symbol: PNG and SVG, error correction M.

segno picks the smallest version; ``boost_error=False`` keeps the level at M as ГОСТ
implementations and EPC069-12 require (research/accounting.md §4). Encoding (mask selection)
is the expensive part, ~30 ms; the images are drawn lazily from the one encoded symbol.
"""

from __future__ import annotations

import base64
import io
from functools import cached_property

import segno

PNG_SCALE = 8  # pixels per module of the standalone PNG: ~1 mm modules at 200 dpi


class QrImages:
    """The rendered QR code: the exact bytes encoded, its version, PNG and SVG images."""

    def __init__(self, data: bytes, qr: segno.QRCode) -> None:
        self.data = data
        self._qr = qr

    @property
    def version(self) -> int:
        return int(self._qr.version)

    @property
    def error(self) -> str:
        return str(self._qr.error)

    def _save(self, kind: str, **options: object) -> bytes:
        buffer = io.BytesIO()
        self._qr.save(buffer, kind=kind, border=4, **options)
        return buffer.getvalue()

    @cached_property
    def png(self) -> bytes:
        """A print-size PNG for the standalone image file."""
        return self._save("png", scale=PNG_SCALE)

    @cached_property
    def svg(self) -> bytes:
        """An SVG (with XML declaration) for the standalone image file."""
        return self._save("svg", scale=PNG_SCALE, xmldecl=True)

    def png_data_uri(self) -> str:
        """Two pixels per module as a data: URI (one decodes badly at 150 dpi); scaled crisply."""
        return "data:image/png;base64," + base64.b64encode(self._save("png", scale=2)).decode()


def render_qr(payload: str, encoding: str = "utf-8") -> QrImages:
    """Encode ``payload`` (text) in ``encoding`` as one byte-mode QR symbol at level M."""
    data = payload.encode(encoding)
    qr = segno.make(data, error="m", boost_error=False, micro=False, mode="byte")
    return QrImages(data, qr)
