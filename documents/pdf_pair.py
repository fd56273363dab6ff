"""The plain invoice drawn by ReportLab as the QR invoice's pages without the code.

The two invoices of a month are one layout: the plain one keeps the QR code's place empty
(``reportlab_drawing._head``), so laying the story out a second time only to leave the image
and its caption out was a third of a lease's rendering (issue 18). ``PairCanvas`` draws the QR
invoice and keeps each page's content stream as ReportLab wrote it; the drawing of a
``pdf_flowables.QrOnly`` flowable (the code and its caption) is a balanced ``q ... Q`` run of
it, which the copy leaves out. ``plain_copy`` then writes those pages to a second canvas that
uses the fonts exactly as the first did: the same internal names and the same subsets (so the
text's bytes mean the same glyphs), copied from the first canvas before its save drops them.

It is the ReportLab counterpart of ``render._without_block`` for WeasyPrint, and
``test_plain_invoice_is_the_qr_invoice_without_its_code`` holds both: the same words in the
same places, less the caption, and no QR code to scan. A page that holds anything the copy
cannot carry over (an image besides the code, a link, a colour space or transparency state)
makes ``plain_copy`` return None and the caller draws the plain invoice itself.
"""

from __future__ import annotations

import copy
import io
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas


class PairCanvas(Canvas):  # type: ignore[misc]
    """A canvas that keeps each page's content without its ``QrOnly`` drawings, and the
    fonts' state as the page was written, for ``plain_copy``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spans: list[tuple[int, int]] = []
        self.qr_forms: set[str] = set()  # the images drawn in the spans
        self.pages: list[list[str]] | None = []  # None: a page the copy cannot carry
        self.fonts: list[tuple[str, str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        code = list(self._code)
        for start, end in reversed(self.spans):
            del code[start:end]
        used = self._annotationrefs, self._colorsUsed, self._shadingUsed
        carried = not any(used) and not self._extgstate.getState()
        if self.pages is not None and carried and self.qr_forms.issuperset(self._formsinuse):
            self.pages.append(code)
        else:
            self.pages = None
        self.spans, self.qr_forms = [], set()
        super().showPage()

    def save(self) -> None:
        """Copy the fonts' state (ReportLab drops it as it embeds the fonts), then save."""
        for name, internal in self._doc.fontMapping.items():
            font = pdfmetrics.getFont(name)
            state = None
            if font._dynamicFont:
                state = copy.copy(font.state[self._doc])
                state.assignments = dict(state.assignments)
                state.subsets = [list(subset) for subset in state.subsets]
            self.fonts.append((name, internal, state))
        super().save()


def plain_copy(drawn: PairCanvas, template: Any) -> bytes | None:
    """The pages ``drawn`` kept, written to a fresh canvas of the same doc template (the
    same page size, metadata and compression), or None when a page could not be kept."""
    if drawn.pages is None:
        return None
    out = io.BytesIO()
    canvas = template._makeCanvas(filename=out, canvasmaker=Canvas)
    document = canvas._doc
    for name, internal, state in drawn.fonts:
        if state is None:
            document.getInternalFontName(name)  # a standard font: named by its order
            continue
        pdfmetrics.getFont(name).state[document] = state
        document.fontMapping[name] = internal
        document.delayedFonts.append(pdfmetrics.getFont(name))
    if document.fontMapping != {name: internal for name, internal, _ in drawn.fonts}:
        return None
    for code in drawn.pages:
        canvas._code = code
        canvas.showPage()
    canvas.save()
    return out.getvalue()
