"""The shipped fonts under ReportLab (``documents.reportlab_drawing``): registered once per
process, with their embedded subsets built and compressed once instead of once per PDF.

ReportLab embeds in every PDF a subset of each TrueType font it used: the glyphs of the
characters printed, numbered in the order the text first met them. Building that subset
(``TTFontFile.makeSubset``) and deflating it took about a fifth of a PDF's time, and it was
the same work over and over, except that the order, hence the bytes, changed with the text.
So every document first assigns the Russian alphabet and the signs a document prints, in one
fixed order (``PRESET``), after the ASCII that ReportLab always embeds: a Russian document then
gets the same subset whatever its words, and the subset and its deflated stream come from a
small cache. A character outside ``PRESET`` still works (it is appended, as before, and gives
a subset of its own). The glyphs a document does not print cost ~2 KB a PDF; the text drawn
and the words ``pdftotext`` reads are the same.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from functools import cache, cached_property
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from documents.assets import BOLD_FONT, REGULAR_FONT, package_path
from documents.view import DocumentView

REGULAR, BOLD = "RentflowSans", "RentflowSans-Bold"
FONT_FILES = {REGULAR: REGULAR_FONT, BOLD: BOLD_FONT}
# Russian letters, then the signs of amounts, dates and numbers beyond ASCII
PRESET = (
    "".join(chr(code) for code in range(0x410, 0x450))  # А..я
    + "Ёё№«»—–…₽"
)
_KEPT = 32  # subsets (and deflated streams) kept per process: a few per font and language


class _Lru:
    """A small least-recently-used map of ``key -> make(key)``."""

    def __init__(
        self,
        make: Callable[[Any], Any],
        size: int = _KEPT,
        key: Callable[[Any], Any] = lambda given: given,
    ) -> None:
        self._make = make
        self._size = size
        self._key = key
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, given: Any) -> Any:
        key = self._key(given)
        with self._lock:  # web threads may draw previews at once
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = self._items[key] = self._make(given)
            if len(self._items) > self._size:
                self._items.popitem(last=False)
            return value


class _Deflate:
    """A PDF stream filter (ReportLab's ``PDFStreamFilterZCompress``) that deflates the same
    font subset once: ``encode`` keyed by the subset's bytes."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._deflated = _Lru(zlib.compress)

    def encode(self, content: bytes | str) -> bytes:
        deflated: bytes = self._deflated(content.encode() if isinstance(content, str) else content)
        return deflated

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


_DEFLATE = _Deflate()


class _CachedFace(TTFontFace):  # type: ignore[misc]
    """A font face whose subsets are built once per distinct list of characters."""

    def makeSubset(self, subset: list[int]) -> bytes:  # noqa: N802 - ReportLab's name
        return self._subsets(tuple(subset))  # type: ignore[no-any-return]

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802
        descriptor = super().addSubsetObjects(doc, fontname, subset)
        # the font file stream ReportLab just named (ttfonts.TTFontFace.addSubsetObjects)
        stream = doc.idToObject[f"fontFile:{self.filename}({fontname})"]
        if stream.filters:
            stream.filters = [_DEFLATE]
        return descriptor


class _Formatted(PDFArray):  # type: ignore[misc]
    """A PDF array written once: a subset's glyph widths (~170 numbers to format)."""

    def __init__(self, formatted: bytes) -> None:
        super().__init__(())
        self._formatted = formatted

    def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803 - ReportLab's
        return self._formatted


class _CachedFont(TTFont):  # type: ignore[misc]
    """A font whose subsets' widths and ToUnicode maps are written and deflated once."""

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - ReportLab's name
        state = self.state[doc]  # which ReportLab drops once the objects are added
        super().addObjects(doc)
        for n, subset in enumerate(state.subsets):
            # the objects ReportLab just named (ttfonts.TTFont.addObjects)
            font = doc.idToObject[f"{state.internalName}+{n}"]
            font.Widths = self._widths((tuple(subset), doc))
            doc.idToObject[f"toUnicodeCMap:{font.BaseFont}"].filters = [_DEFLATE]

    @cached_property
    def _widths(self) -> _Lru:
        return _Lru(
            lambda key: _Formatted(PDFArray(map(self.face.getCharWidth, key[0])).format(key[1])),
            key=lambda key: key[0],
        )


def _font(name: str, file_name: str) -> TTFont:
    font = _CachedFont(name, str(package_path("fonts", file_name)))
    face = font.face
    face.__class__ = _CachedFace
    face._subsets = _Lru(lambda key: TTFontFace.makeSubset(face, list(key)))
    return font


@cache
def register_fonts() -> frozenset[int]:
    """Register the shipped fonts once per process; the code points both of them have."""
    covered: set[int] | None = None
    for name, file_name in FONT_FILES.items():
        font = _font(name, file_name)
        pdfmetrics.registerFont(font)
        points = set(font.face.charToGlyph)
        covered = points if covered is None else covered & points
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    rl_config.useA85 = 0  # images as binary Flate streams, not ASCII85 text (a third larger)
    return frozenset(covered or ())


def preset(doc: Any) -> None:
    """Number ``PRESET`` first in both fonts of the PDF being written (``canvas._doc``)."""
    for name in FONT_FILES:
        pdfmetrics.getFont(name).splitString(PRESET, doc)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        return [
            text
            for field in fields(value)
            if field.name != "qr_data_uri"
            for text in _strings(getattr(value, field.name))
        ]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, tuple | list):
        return [text for item in value for text in _strings(item)]
    return []


def covers(view: DocumentView) -> bool:
    """Whether the shipped font has a glyph for every character the document prints."""
    covered = register_fonts()
    return all(ord(char) in covered for char in set("".join(_strings(view))) if char > " ")
