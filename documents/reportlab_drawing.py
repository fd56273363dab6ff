"""The shipped invoice, QR invoice and act drawn straight to PDF with ReportLab.

The shipped layout has one source of truth: ``templates/*.html`` + ``style.css``, which
landlords' own templates extend and WeasyPrint lays out (``documents.render``). This module is
that layout written as ReportLab flowables: same page, margins, font, sizes, borders, columns
and words, and where CSS and ReportLab differ (a border's room, a line box's strut, spaces
ReportLab would narrow) it follows CSS. ``test_render.py``'s
``test_both_engines_put_every_word_in_the_same_place`` holds it there: every word of the three
PDFs, in Russian, English, with long names and over pages, within 1 mm of where WeasyPrint
puts it (``pdftotext -bbox``). Change the template, and the test says what to change here.

Why a second drawing of one layout: ReportLab draws a lease's PDFs about five times faster than
WeasyPrint lays them out (``bench/bench_documents.py`` measures both), and the billing run of
a 10,000-lease day on 2 cores needs that (issue 6). It is used for the shipped templates only:
a landlord with templates of their own keeps WeasyPrint, and so does a document holding a
character the shipped font lacks (WeasyPrint falls back to the system fonts).
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from documents import stamps
from documents.pdf_flowables import QrCaption, QrImage, WrappedOnce
from documents.pdf_fonts import BOLD, REGULAR, preset, register_fonts
from documents.pdf_pair import PairCanvas, plain_copy
from documents.view import DocumentView

PRODUCER = "rentflow (ReportLab)"

# style.css: @page { size: A4; margin: 12mm 12mm 14mm 15mm; }
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 12 * mm, 12 * mm, 14 * mm, 15 * mm
BODY_MARGIN = 6  # the user agent's body { margin: 8px } (its top collapses with the first box's)
WIDTH = A4[0] - MARGIN_LEFT - MARGIN_RIGHT - 2 * BODY_MARGIN
SIZE = 8.5  # html { font-size: 8.5pt }
LEADING = SIZE * 1.164  # CSS "line-height: normal" of DejaVu Sans: ascent + descent
BORDER = 0.6  # .bank td, .items td: 0.6pt solid
RULE = 1.5  # h1 and .signatures: 1.5pt solid
QR_SIDE, QR_COLUMN, HEAD_MIN_HEIGHT, LABEL_COLUMN = 32 * mm, 36 * mm, 37 * mm, 32 * mm

# spaceShrinkage: ReportLab narrows spaces by up to 5 % to fit a line, where a browser does
# not but kerns (HarfBuzz), which ReportLab does not: 2 % stands in for the kerning and breaks
# lines where WeasyPrint does (test_render's word-by-word parity)
_BODY = ParagraphStyle(
    "body", fontName=REGULAR, fontSize=SIZE, leading=LEADING, spaceShrinkage=0.02
)
_BOLD = ParagraphStyle("bold", parent=_BODY, fontName=BOLD)
# a <span class="small"> line is as tall as the body's: the line box keeps its strut
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7, leading=LEADING)
_CAPTION = ParagraphStyle(
    "caption", parent=_BODY, fontSize=6.5, leading=6.5 * 1.164, alignment=TA_CENTER
)
_HEADING = ParagraphStyle("h1", parent=_BOLD, fontSize=13, leading=13 * 1.164)
_HEADER_CELL = ParagraphStyle("th", parent=_BOLD, alignment=TA_CENTER)
_TOTAL = ParagraphStyle("total", parent=_BOLD, alignment=TA_RIGHT)
_SIGNATURE = ParagraphStyle("signature", parent=_BODY, firstLineIndent=30 * mm)
_NOTE_GAP, _WORDS_AFTER = 1 * mm, 3 * mm  # .note { margin: 1mm 0 }, .words { margin-bottom }

# .bank td, .items td: padding 1mm 1.5mm; a collapsed border takes room where ReportLab's don't
_PAD = 1.5 * mm, 1 * mm + BORDER / 2
_GRID = [
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), SIZE),
    ("LEADING", (0, 0), (-1, -1), LEADING),
    ("GRID", (0, 0), (-1, -1), BORDER, "black"),
    ("LEFTPADDING", (0, 0), (-1, -1), _PAD[0]),
    ("RIGHTPADDING", (0, 0), (-1, -1), _PAD[0]),
    ("TOPPADDING", (0, 0), (-1, -1), _PAD[1]),
    ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD[1]),
]
_BANK_STYLE = TableStyle(
    [
        *_GRID,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("SPAN", (0, 0), (1, 1)),
        ("SPAN", (2, 2), (2, 3)),
        ("SPAN", (3, 2), (3, 3)),
        ("SPAN", (0, 3), (1, 3)),
    ]
)
_ITEMS_STYLE = TableStyle(
    [
        *_GRID,
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),  # the user agent's tbody { vertical-align }
        ("ALIGN", (0, 1), (0, -1), "RIGHT"),  # td.num: number, quantity, price, amount
        ("ALIGN", (2, 1), (2, -1), "RIGHT"),
        ("ALIGN", (4, 1), (5, -1), "RIGHT"),
    ]
)
_ITEM_COLUMNS = [8 * mm, WIDTH - 92 * mm, 16 * mm, 14 * mm, 26 * mm, 28 * mm]
_TOTALS_STYLE = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("LEADING", (0, 0), (-1, -1), LEADING),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 0.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5 * mm),
    ]
)
_PLAIN = [
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
]
_PARTIES_STYLE = TableStyle(
    [
        *_PLAIN,
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("LEADING", (0, 0), (-1, -1), LEADING),
        ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm),
    ]
)
_HEAD_STYLE = TableStyle(
    [
        *_PLAIN,
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (1, 0), (1, 0), QR_COLUMN - QR_SIDE),
    ]
)
_SIGNATURES_STYLE = TableStyle(
    [
        ("LINEABOVE", (0, 0), (-1, 0), RULE, "black"),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
        # td padding 2mm; the table's padding-top does not apply to collapsed borders
        ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


@lru_cache(maxsize=4096)
def _parsed(markup: str, style: ParagraphStyle) -> tuple[ParagraphStyle, tuple[Any, ...]]:
    """ReportLab's parse of a paragraph's markup (its XML parser is a sixth of a PDF's time):
    the labels, the landlord's and bank's names, and everything the invoice pair shares are
    parsed once."""
    parsed = Paragraph(markup, style)
    return parsed.style, tuple(parsed.frags)


def _paragraph(markup: str, style: ParagraphStyle, kind: type = WrappedOnce) -> Paragraph:
    parsed_style, frags = _parsed(markup, style)
    return kind(markup, parsed_style, frags=[frag.clone() for frag in frags])


def _text(value: str, style: ParagraphStyle = _BODY, kind: type = WrappedOnce) -> Paragraph:
    return _paragraph(escape(value), style, kind)


def _cell(value: str, width: float) -> str | Paragraph:
    """A short value as it is (cheaper), one wider than its cell as a paragraph that wraps."""
    fits = pdfmetrics.stringWidth(value, REGULAR, SIZE) <= width - 2 * _PAD[0]
    return value if fits else _text(value)


class _Signature(WrappedOnce):
    """``<span class="line">`` / Name /: a 30 mm line to sign on, then the name, which wraps
    under the line when it is long."""

    def __init__(self, name: str) -> None:
        super().__init__(escape(f"\u00a0/ {name or '____________________'} /"), _SIGNATURE)

    def draw(self) -> None:
        super().draw()
        baseline = self.height - SIZE  # ReportLab sets the first line one font size down
        self.canv.setLineWidth(BORDER)
        self.canv.line(0, baseline - 1, _SIGNATURE.firstLineIndent, baseline - 1)


def _bank(view: DocumentView) -> Table:
    labels = view.labels
    widths = [48 * mm, 48 * mm, 20 * mm, WIDTH - 116 * mm]
    rows: list[list[Any]] = [
        [[_text(view.bank_name), _text(labels["bank"], _SMALL)], "", labels["bic"], view.bic],
        ["", "", labels["account_no"], view.corr_account],
        [
            f"{labels['inn']} {view.seller.inn}",
            f"{labels['kpp']} {view.seller.kpp}",
            labels["account_no"],
            view.account,
        ],
        [[_text(view.seller.name), _text(labels["payee"], _SMALL)], "", "", ""],
    ]
    table = Table(
        [[_cell(v, w) if isinstance(v, str) and v else v for v, w in zip(row, widths, strict=True)]
         for row in rows],
        colWidths=widths,
    )  # fmt: skip
    table.setStyle(_BANK_STYLE)
    return table


def _heading(view: DocumentView) -> list[Flowable]:
    """h1: 13pt bold, margin 6mm 0 2mm, padding-bottom 1.5mm, a 1.5pt rule under it."""
    table = Table([[_text(view.heading, _HEADING)]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                *_PLAIN,
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                # a CSS border takes its width below the padding; ReportLab centres the
                # rule on the cell's edge and reserves no room for it
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm + RULE / 2),
                ("LINEBELOW", (0, 0), (-1, -1), RULE, "black"),
            ]
        )
    )
    return [Spacer(1, 6 * mm), table, Spacer(1, 2 * mm + RULE / 2)]


def _parties(view: DocumentView, width: float) -> Table:
    labels = view.labels
    names = ("supplier", "buyer") if view.kind == "invoice" else ("executor", "customer")
    table = Table(
        [
            [_text(f"{labels[names[0]]}:"), _text(view.seller.line, _BOLD)],
            [_text(f"{labels[names[1]]}:"), _text(view.buyer.line, _BOLD)],
            [_text(f"{labels['basis']}:"), _text(view.basis, _BOLD)],
        ],
        colWidths=[LABEL_COLUMN, width - LABEL_COLUMN],
    )
    table.setStyle(_PARTIES_STYLE)
    return table


def _head(view: DocumentView, with_qr: bool) -> Table:
    """.head: the parties, and the payment QR code in a 36 mm place of its own at the right.
    The plain invoice keeps the place empty, so both invoices are laid out alike."""
    code: list[Flowable] | str = ""
    if with_qr:
        png = base64.b64decode(view.qr_data_uri.partition(",")[2])
        code = [
            QrImage(png, QR_SIDE),
            _text(view.labels["qr_caption"], _CAPTION, QrCaption),
        ]
    table = Table(
        [[_parties(view, WIDTH - QR_COLUMN), code]],
        colWidths=[WIDTH - QR_COLUMN, QR_COLUMN],
        minRowHeights=[HEAD_MIN_HEIGHT],
    )
    table.setStyle(_HEAD_STYLE)  # .qr: 32 mm wide at the right of its 36 mm place
    return table


def _items(view: DocumentView) -> list[Flowable]:
    labels = view.labels
    item = labels["col_item"] if view.kind == "invoice" else labels["col_service"]
    header = [
        _text(label, _HEADER_CELL)
        for label in (
            labels["col_no"],
            item,
            labels["col_qty"],
            labels["col_unit"],
            labels["col_price"],
            labels["col_sum"],
        )
    ]
    rows: list[list[Any]] = [header]
    rows += [
        [
            str(line.no),
            _text(line.description),
            line.quantity,
            _cell(line.unit, _ITEM_COLUMNS[3]),
            line.price,
            line.amount,
        ]
        for line in view.lines
    ]
    items = Table(rows, colWidths=_ITEM_COLUMNS, repeatRows=1)
    items.setStyle(_ITEMS_STYLE)
    totals = Table(
        [
            [_text(f"{labels['total']}:", _TOTAL), view.total],
            [_text(f"{view.vat_label}:", _TOTAL), view.vat_amount],
            [_text(f"{labels['to_pay']}:", _TOTAL), view.grand_total],
        ],
        colWidths=[WIDTH - 30 * mm, 30 * mm],
    )
    totals.setStyle(_TOTALS_STYLE)
    return [Spacer(1, 3 * mm), items, Spacer(1, 1.5 * mm), totals]


def _signatures(view: DocumentView) -> list[Flowable]:
    cells = []
    for index, person in enumerate(view.signatories):
        role = f"<b>{escape(person.role)}</b>"
        if person.position:
            role += f" ({escape(person.position)})"
        line = stamps.signed(_Signature(person.name), view.images, view.kind, index)
        cells.append([_paragraph(role, _BODY), line])
    # td { width: 50%; padding-right: 2mm }: a cell is half the width and its padding more
    widths = [WIDTH / len(cells) + 2 * mm] * len(cells)
    widths[-1] = WIDTH - sum(widths[:-1])
    table = Table([cells], colWidths=widths)
    table.setStyle(_SIGNATURES_STYLE)
    return [Spacer(1, 8 * mm), table]


def _notes(*texts: str) -> list[Flowable]:
    return [flowable for text in texts for flowable in (_text(text), Spacer(1, _NOTE_GAP))]


def _story(view: DocumentView, with_qr: bool) -> list[Flowable]:
    labels = view.labels
    story: list[Flowable] = stamps.logo(view.images)
    if view.kind == "invoice":
        story += [_bank(view), *_heading(view), _head(view, with_qr)]
        wording = [f"{labels['pay_by']} {view.due}"] if view.due else []
        wording.append(labels["pay_note"])
    else:
        story += [*_heading(view), _parties(view, WIDTH)]
        wording = [labels["act_statement"]]
    story += _items(view)
    story += [Spacer(1, _NOTE_GAP), *_notes(view.count_line)]
    story += [_text(view.amount_words, _BOLD), Spacer(1, _WORDS_AFTER)]
    story += _notes(*wording)
    return story + _signatures(view)


def _page() -> PageTemplate:
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        A4[0] - MARGIN_LEFT - MARGIN_RIGHT,
        A4[1] - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=BODY_MARGIN,
        rightPadding=BODY_MARGIN,
        topPadding=0,
        bottomPadding=0,  # the body's bottom margin ends the last page only
    )
    return PageTemplate("page", [frame])


class _Document(BaseDocTemplate):  # type: ignore[misc]
    def beforeDocument(self) -> None:  # noqa: N802 - ReportLab's hook
        preset(self.canv._doc)  # the fonts' subsets numbered alike in every PDF (pdf_fonts)


def _template(view: DocumentView, out: io.BytesIO, with_qr: bool) -> _Document:
    register_fonts()
    if with_qr and not view.qr_data_uri:
        raise ValueError("the QR invoice needs the view's QR code")
    return _Document(
        out,
        pagesize=A4,
        pageTemplates=[_page()],
        title=view.heading,
        creator=PRODUCER,
        producer=PRODUCER,
        lang=view.lang,
        invariant=True,  # no creation time or random ID: the same view gives the same bytes
    )


def draw_pdf(view: DocumentView, with_qr: bool = False) -> bytes:
    """The invoice (with its payment QR code when ``with_qr``) or act of ``view`` as PDF."""
    out = io.BytesIO()
    _template(view, out, with_qr).build(_story(view, with_qr))
    return out.getvalue()


def draw_invoice_pair(view: DocumentView) -> tuple[bytes, bytes]:
    """(QR invoice, plain invoice) of ``view`` from one layout: the plain one is the QR
    invoice's pages without the code (``pdf_pair``), or drawn itself when they cannot be."""
    out = io.BytesIO()
    template = _template(view, out, True)
    template.build(_story(view, True), canvasmaker=PairCanvas)
    plain = plain_copy(template.canv, template)
    return out.getvalue(), plain if plain is not None else draw_pdf(view)
