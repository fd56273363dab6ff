"""HTML and PDF rendering of documents with Jinja2 and WeasyPrint.

Speed (measured on WeasyPrint 70: font subsetting was ~3/4 of a render without HarfBuzz):
WeasyPrint's time goes to fonts and stylesheets, so a process keeps one ``FontConfiguration``
and prebuilt ``CSS`` objects, the shipped Latin+Cyrillic font subset stands in for system
fonts, and Debian's libharfbuzz-subset0 does the subsetting. A renderer is therefore built once
per process (see ``backend.bootstrap``) and reused.

Per-landlord overrides: ``override_root/<key>/`` may hold any of the templates
(``layout.html``, ``invoice.html``, ``act.html``, ``items.html``, ``signatures.html``), a
``style.css`` added after the default one, and images (a logo) the templates reference by
relative URL. ``{% extends "default/layout.html" %}`` reaches the shipped version.

An invoice and its QR invoice come from one layout (``render_invoice_pair``): the plain
invoice is the QR invoice's pages with the ``.qr`` block left out: one layout and two PDF
writes instead of two of each (``bench/bench_documents.py`` times the pair). That reaches
past WeasyPrint's public API to the laid-out boxes (``Page._page_box``,
``Box.copy_with_children``, as in WeasyPrint 70); test_render.py's
``test_plain_invoice_is_the_qr_invoice_without_its_code`` fails if a release changes them.

WeasyPrint's side lives in ``documents.weasyprint_layout``, imported the first time a
document needs it: a process that only ever draws the shipped templates (ReportLab) never
loads WeasyPrint and Pango (~0.6 s of CPU at every start of a worker, a web process or a CLI
command, and ~40 MB each).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from documents import pdf_fonts, reportlab_drawing
from documents.assets import package_path
from documents.engines import ENGINES
from documents.errors import InvalidDocumentData
from documents.view import DocumentView

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.document import Document

    from documents.weasyprint_layout import WeasyLayout

TEMPLATES = ("invoice", "act")


class DocumentRenderer:
    """Renders document views to HTML and PDF; build one per process and share it."""

    def __init__(self, override_root: Path | None = None, engine: str = "reportlab") -> None:
        if engine not in ENGINES:
            raise ValueError(f"the PDF engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self._override_root = override_root
        self.engine = engine
        self._templates_dir = package_path("templates")
        self._environments: dict[str, jinja2.Environment] = {}
        self._lock = threading.Lock()
        self._weasy: WeasyLayout | None = None

    def _weasyprint(self) -> WeasyLayout:
        """WeasyPrint's fonts and stylesheets, loaded the first time a document needs them."""
        with self._lock:
            if self._weasy is None:
                from documents.weasyprint_layout import WeasyLayout

                roots = [package_path("fonts"), self._templates_dir]
                if self._override_root is not None:
                    roots.append(self._override_root)
                self._weasy = WeasyLayout(self._templates_dir, roots)
            return self._weasy

    def _override_dir(self, key: str) -> Path | None:
        if not key or self._override_root is None:
            return None
        if not key.replace("-", "").replace("_", "").isalnum():
            raise InvalidDocumentData("template_key", f"must be letters and digits, got {key!r}")
        directory = self._override_root / key
        return directory if directory.is_dir() else None

    def _shared_key(self, key: str) -> str:
        """``key`` if it has templates of its own, else "": landlords without a directory share
        one compiled template set, and one who adds a directory later gets it from then on."""
        return key if self._override_dir(key) is not None else ""

    def draws(self, view: DocumentView, key: str = "") -> bool:
        """Whether the document is drawn by ReportLab (``documents.reportlab_drawing``): the shipped
        templates, unless told to use WeasyPrint or the text needs a font we do not ship."""
        shipped = self.engine == "reportlab" and self._override_dir(key) is None
        return shipped and pdf_fonts.covers(view)

    def _environment(self, key: str) -> jinja2.Environment:
        key = self._shared_key(key)
        with self._lock:
            if key not in self._environments:
                shipped = jinja2.FileSystemLoader(self._templates_dir)
                loaders: list[jinja2.BaseLoader] = []
                directory = self._override_dir(key)
                if directory is not None:
                    loaders.append(jinja2.FileSystemLoader(directory))
                loaders += [shipped, jinja2.PrefixLoader({"default": shipped})]
                self._environments[key] = jinja2.Environment(
                    loader=jinja2.ChoiceLoader(loaders),
                    autoescape=True,
                    undefined=jinja2.StrictUndefined,
                    trim_blocks=True,
                    lstrip_blocks=True,
                )
            return self._environments[key]

    def _stylesheets(self, key: str) -> list[CSS]:
        key = self._shared_key(key)
        directory = self._override_dir(key)
        extra = directory / "style.css" if directory is not None else None
        return self._weasyprint().stylesheets(key, extra)

    def render_html(self, template: str, view: DocumentView, key: str = "") -> str:
        """The document as HTML (what the landlord's template produces)."""
        if template not in TEMPLATES:
            raise InvalidDocumentData("template", f"must be one of {', '.join(TEMPLATES)}")
        return self._environment(key).get_template(f"{template}.html").render(doc=view)

    def _laid_out(self, template: str, view: DocumentView, key: str) -> tuple[str, Path]:
        """The document's HTML and the directory its relative URLs resolve in."""
        return self.render_html(template, view, key), self._override_dir(key) or self._templates_dir

    def layout(self, template: str, view: DocumentView, key: str = "") -> Document:
        """Lay the document out without writing a PDF (the benchmark's baseline)."""
        html, directory = self._laid_out(template, view, key)
        return self._weasyprint().layout(html, directory, self._stylesheets(key))

    def render_invoice_pair(self, view: DocumentView, key: str = "") -> tuple[bytes, bytes]:
        """(QR invoice, plain invoice) PDFs of an invoice view that has its QR code, laid out
        once. A landlord's template without a ``.qr`` block gets a plain one of its own."""
        if not view.qr_data_uri:
            raise InvalidDocumentData("qr_data_uri", "the invoice pair needs the QR code")
        if self.draws(view, key):
            return reportlab_drawing.draw_invoice_pair(view)
        html, directory = self._laid_out("invoice", view, key)
        with_qr, plain = self._weasyprint().pair(html, directory, self._stylesheets(key))
        if plain is None:  # no .qr block to leave out: lay the plain invoice out itself
            plain = self.render_pdf("invoice", replace(view, qr_data_uri=""), key)
        return with_qr, plain

    def render_pdf(self, template: str, view: DocumentView, key: str = "") -> bytes:
        """The document as PDF bytes."""
        if template not in TEMPLATES:
            raise InvalidDocumentData("template", f"must be one of {', '.join(TEMPLATES)}")
        if self.draws(view, key):
            return reportlab_drawing.draw_pdf(
                view, with_qr=template == "invoice" and bool(view.qr_data_uri)
            )
        html, directory = self._laid_out(template, view, key)
        return self._weasyprint().pdf(html, directory, self._stylesheets(key))
