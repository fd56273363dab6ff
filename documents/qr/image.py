"""Render a payment payload as a QR symbol: PNG and SVG, error correction M.

The symbol is encoded by Debian's libqrencode (C, through ctypes) when it is installed, and by
segno otherwise; the SVG and the print-size PNG are written here, the small PNG of the PDF by
Pillow (segno's pure-Python PNG writer takes ~14 ms for a print-size invoice code, Pillow ~1 ms,
``QrImages.png`` ~0.1 ms, and a billing day draws one per invoice).
Choosing the best of the 8 data masks (ISO/IEC 18004 §7.8.3) is most of the encoding work:
~30 ms in segno's pure Python for an invoice's ГОСТ payload, under 1 ms in libqrencode. Both
pick the smallest version and keep the level at M as EPC069-12 requires and ГОСТ
implementations use (ofstudio/qr-gost-56042, codebude/QRCoder); the images are drawn lazily
from the one encoded symbol.
"""

from __future__ import annotations

import base64
import ctypes
import ctypes.util
import io
import re
import struct
import zlib
from functools import cache, cached_property
from typing import Any, NamedTuple

import segno
from PIL import Image
from segno import consts

_QR_ECLEVEL_M = 1  # libqrencode's QRecLevel: L=0, M=1, Q=2, H=3 (qrencode.h)
# byte -> 1 if dark (bit 0) else 0, and -> a greyscale pixel: mapped in C by bytes.translate
_DARK_BIT = bytes(n & 1 for n in range(256))
_GREY = bytes(0 if n & 1 else 255 for n in range(256))
_PIECE = re.compile(rb"\x00*\x01+")  # light modules (maybe none), then dark ones


class _Moves(dict[bytes, str]):
    """A piece of a row (``_PIECE``) -> its SVG path move: its gap, then a line over its run.
    Bounded by the symbol's width: at most ~15,000 pieces for version 40 (177 modules)."""

    def __missing__(self, piece: bytes) -> str:
        dark = len(piece.lstrip(b"\x00"))
        move = self[piece] = f"m{len(piece) - dark} 0h{dark}"
        return move


_MOVES = _Moves()


class _QRcode(ctypes.Structure):
    # qrencode.h: typedef struct { int version; int width; unsigned char *data; } QRcode;
    _fields_ = (
        ("version", ctypes.c_int),
        ("width", ctypes.c_int),
        ("data", ctypes.POINTER(ctypes.c_ubyte)),
    )


class _Segment(NamedTuple):
    mode: int


class _Code(NamedTuple):
    # what segno.QRCode(code) reads: "an object with a matrix, version, error, mask and
    # segments attribute" (segno.QRCode.__init__ docstring)
    matrix: tuple[bytearray, ...]
    version: int
    error: int
    mask: int | None
    segments: tuple[_Segment, ...]


@cache
def _libqrencode() -> Any:
    """The loaded libqrencode (Debian ``libqrencode4``), or None when it is not installed."""
    name = ctypes.util.find_library("qrencode")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    lib.QRcode_encodeData.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_int)
    lib.QRcode_encodeData.restype = ctypes.POINTER(_QRcode)
    lib.QRcode_free.argtypes = (ctypes.POINTER(_QRcode),)
    lib.QRcode_free.restype = None
    return lib


def _encode_c(lib: Any, data: bytes) -> segno.QRCode:
    symbol = lib.QRcode_encodeData(len(data), data, 0, _QR_ECLEVEL_M)  # 0 = smallest version
    if not symbol:
        raise ValueError(f"libqrencode cannot encode {len(data)} bytes at level M")
    try:
        width, version = symbol.contents.width, symbol.contents.version
        raw = ctypes.string_at(symbol.contents.data, width * width)
    finally:
        lib.QRcode_free(symbol)
    # each module is one byte; bit 0 is dark (qrencode.h, "Symbol data")
    dark = raw.translate(_DARK_BIT)
    matrix = tuple(bytearray(dark[row : row + width]) for row in range(0, len(dark), width))
    code = _Code(matrix, version, consts.ERROR_LEVEL_M, None, (_Segment(consts.MODE_BYTE),))
    return segno.QRCode(code)  # type: ignore[call-arg]  # segno's stub omits this documented form


QUIET_ZONE = 4  # light modules around the symbol (ISO/IEC 18004 §6.3.8)
PNG_SCALE = 8  # pixels per module of the standalone PNG: ~1 mm modules at 200 dpi; one byte
# of its 1-bit rows (``QrImages.png`` relies on it)


def _chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG chunk: length, type, data, and the CRC-32 of type and data."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


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

    def _png(self, scale: int) -> bytes:
        """A black-on-white PNG with the 4-module quiet zone, ``scale`` pixels per module."""
        side = len(self._qr.matrix) + 2 * QUIET_ZONE
        white = b"\xff" * side
        margin = b"\xff" * QUIET_ZONE
        rows = [white] * QUIET_ZONE
        for row in self._qr.matrix:  # bit 0 of a module is dark (segno.QRCode.matrix)
            rows.append(margin + bytes(row).translate(_GREY) + margin)
        rows += [white] * QUIET_ZONE
        symbol = Image.frombytes("L", (side, side), b"".join(rows)).convert("1")
        buffer = io.BytesIO()
        # deflate level 1: the same image, a fifth larger, in two-thirds of the time
        scaled = symbol.resize((side * scale, side * scale), Image.Resampling.NEAREST)
        scaled.save(buffer, "PNG", compress_level=1)
        return buffer.getvalue()

    @cached_property
    def png(self) -> bytes:
        """A print-size PNG for the standalone image file: 1 bit a pixel, so at 8 pixels a
        module a module is a byte (0x00 dark, 0xFF light) and every row of the symbol is 8
        equal scanlines; written here, as deflating them is a tenth of Pillow's resize and
        PNG encoder (~1.1 ms an invoice)."""
        side = len(self._qr.matrix) + 2 * QUIET_ZONE
        light = b"\x00" + b"\xff" * side  # a scanline: filter type 0 (None), then the pixels
        margin = b"\xff" * QUIET_ZONE
        scanlines = [light * (PNG_SCALE * QUIET_ZONE)]
        for row in self._qr.matrix:  # bit 0 of a module is dark (segno.QRCode.matrix)
            scanlines.append((b"\x00" + margin + bytes(row).translate(_GREY) + margin) * PNG_SCALE)
        scanlines.append(light * (PNG_SCALE * QUIET_ZONE))
        pixels = side * PNG_SCALE
        # PNG (ISO/IEC 15948): IHDR width, height, bit depth 1, colour type 0 (greyscale)
        header = struct.pack(">IIBBBBB", pixels, pixels, 1, 0, 0, 0, 0)
        data = zlib.compress(b"".join(scanlines), 1)
        chunks = ((b"IHDR", header), (b"IDAT", data), (b"IEND", b""))
        return b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(kind, body) for kind, body in chunks)

    @cached_property
    def svg(self) -> bytes:
        """An SVG (with XML declaration) for the standalone image file: the bytes segno writes
        (``save(kind="svg", border=QUIET_ZONE, scale=PNG_SCALE)``), its rows of dark modules
        found by a regular expression, and each run after a row's first (a gap and a dark
        run: "m3 0h2") spelled once per process (``_MOVES``) instead of once per run."""
        side = (len(self._qr.matrix) + 2 * QUIET_ZONE) * PNG_SCALE
        moves: list[str] = []
        last_x, last_row = 0, -1
        for n, row in enumerate(self._qr.matrix):
            pieces = _PIECE.findall(bytes(row).translate(_DARK_BIT))
            if not pieces:
                continue
            dark = len(pieces[0].lstrip(b"\x00"))
            x1 = QUIET_ZONE + len(pieces[0]) - dark
            if moves:
                moves.append(f"m{x1 - last_x} {n - last_row}h{dark}")
            else:  # the first move is absolute, to the middle of the module's row
                moves.append(f"M{x1} {QUIET_ZONE + n + 0.5}h{dark}")
            moves += map(_MOVES.__getitem__, pieces[1:])
            last_x, last_row = QUIET_ZONE + sum(map(len, pieces)), n
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}"'
            f' class="segno"><path transform="scale({PNG_SCALE})" class="qrline"'
            f' stroke="#000" d="{"".join(moves)}"/></svg>\n'
        ).encode()

    @cached_property
    def png_data_uri(self) -> str:
        """Two pixels per module as a data: URI (one decodes badly at 150 dpi); scaled crisply."""
        return "data:image/png;base64," + base64.b64encode(self._png(2)).decode()


def render_qr(payload: str, encoding: str = "utf-8", *, use_c: bool = True) -> QrImages:
    """Encode ``payload`` (text) in ``encoding`` as one byte-mode QR symbol at level M."""
    data = payload.encode(encoding)
    lib = _libqrencode() if use_c else None
    if lib is not None:
        return QrImages(data, _encode_c(lib, data))
    qr = segno.make(data, error="m", boost_error=False, micro=False, mode="byte")
    return QrImages(data, qr)
