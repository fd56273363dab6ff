"""Render a payment payload as a QR symbol: PNG and SVG, error correction M.

segno picks the smallest version; ``boost_error=False`` keeps the level at M as ГОСТ
implementations and EPC069-12 require (research/accounting.md §4).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import segno


@dataclass(frozen=True)
class QrImages:
    """The rendered QR code: the exact bytes encoded, PNG and SVG images, its version."""

    data: bytes
    png: bytes
    svg: bytes
    version: int

    def png_data_uri(self) -> str:
        """The PNG as a data: URI for an <img> in the HTML templates."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


def render_qr(payload: str, encoding: str = "utf-8", scale: int = 4) -> QrImages:
    """Encode ``payload`` (text) in ``encoding`` as one byte-mode QR symbol at level M."""
    data = payload.encode(encoding)
    qr = segno.make(data, error="m", boost_error=False, micro=False, mode="byte")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=scale, border=4)
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=scale, border=4, xmldecl=True)
    return QrImages(data=data, png=png.getvalue(), svg=svg.getvalue(), version=int(qr.version))
