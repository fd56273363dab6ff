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
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

import jinja2
from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from documents import pdf_fonts, reportlab_drawing
from documents.assets import BOLD_FONT, REGULAR_FONT, package_path
from documents.engines import ENGINES
from documents.errors import InvalidDocumentData
from documents.view import DocumentView

TEMPLATES = ("invoice", "act")
QR_BLOCK = "qr"  # the class of the block that holds an invoice's payment QR code


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Lets documents load data: URIs and files under ``roots`` only: no network, no /etc."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("data", "file"))
        self._roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Refuse a file outside the allowed roots, fetch anything else allowed."""
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError(f"documents may not load {url!r}")
        return super().fetch(url, headers)


class DocumentRenderer:
    """Renders document views to HTML and PDF; build one per process and share it."""

    def __init__(self, override_root: Path | None = None, engine: str = "reportlab") -> None:
        if engine not in ENGINES:
            raise ValueError(f"the PDF engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self._override_root = override_root
        self.engine = engine
        self._templates_dir = package_path("templates")
        self._fonts_dir = package_path("fonts")
        self.font_config = FontConfiguration()
        roots = [self._fonts_dir, self._templates_dir]
        self._fetcher = LocalOnlyFetcher([*roots, *([override_root] if override_root else [])])
        css_text = (self._templates_dir / "style.css").read_text(encoding="utf-8")
        css_text = css_text.replace(
            "{{ regular }}", (self._fonts_dir / REGULAR_FONT).as_uri()
        ).replace("{{ bold }}", (self._fonts_dir / BOLD_FONT).as_uri())
        self._base_css = CSS(
            string=css_text, font_config=self.font_config, url_fetcher=self._fetcher
        )
        self._environments: dict[str, jinja2.Environment] = {}
        self._override_css: dict[str, CSS | None] = {}
        self._lock = threading.Lock()
        # WeasyPrint shares the font configuration (Pango/fontconfig) and is not safe to run
        # from two threads at once: one layout at a time per process; processes scale out
        self._layout_lock = threading.Lock()

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
        with self._lock:
            if key not in self._override_css:
                directory = self._override_dir(key)
                extra = directory / "style.css" if directory is not None else None
                self._override_css[key] = (
                    CSS(
                        filename=str(extra),
                        font_config=self.font_config,
                        url_fetcher=self._fetcher,
                    )
                    if extra is not None and extra.is_file()
                    else None
                )
            extra_css = self._override_css[key]
        return [self._base_css] if extra_css is None else [self._base_css, extra_css]

    def render_html(self, template: str, view: DocumentView, key: str = "") -> str:
        """The document as HTML (what the landlord's template produces)."""
        if template not in TEMPLATES:
            raise InvalidDocumentData("template", f"must be one of {', '.join(TEMPLATES)}")
        return self._environment(key).get_template(f"{template}.html").render(doc=view)

    def _html(self, template: str, view: DocumentView, key: str) -> HTML:
        directory = self._override_dir(key) or self._templates_dir
        return HTML(
            string=self.render_html(template, view, key),
            base_url=directory.as_uri() + "/",
            url_fetcher=self._fetcher,
        )

    def layout(self, template: str, view: DocumentView, key: str = "") -> Document:
        """Lay the document out without writing a PDF (the benchmark's baseline)."""
        html, stylesheets = self._html(template, view, key), self._stylesheets(key)
        with self._layout_lock:
            return html.render(stylesheets=stylesheets, font_config=self.font_config)

    def render_invoice_pair(self, view: DocumentView, key: str = "") -> tuple[bytes, bytes]:
        """(QR invoice, plain invoice) PDFs of an invoice view that has its QR code, laid out
        once. A landlord's template without a ``.qr`` block gets a plain one of its own."""
        if not view.qr_data_uri:
            raise InvalidDocumentData("qr_data_uri", "the invoice pair needs the QR code")
        if self.draws(view, key):
            return reportlab_drawing.draw_invoice_pair(view)
        html, stylesheets = self._html("invoice", view, key), self._stylesheets(key)
        plain: bytes | None = None
        with self._layout_lock:
            document = html.render(stylesheets=stylesheets, font_config=self.font_config)
            with_qr = document.write_pdf()
            boxes = [_without_block(page._page_box, QR_BLOCK) for page in document.pages]
            if any(box is not None for box in boxes):
                pages = [
                    page if box is None else Page(box)
                    for page, box in zip(document.pages, boxes, strict=True)
                ]
                plain = document.copy(pages).write_pdf()
        if plain is None:  # no .qr block to leave out: lay the plain invoice out itself
            plain = self.render_pdf("invoice", replace(view, qr_data_uri=""), key)
        return bytes(with_qr), bytes(plain)

    def render_pdf(self, template: str, view: DocumentView, key: str = "") -> bytes:
        """The document as PDF bytes."""
        if template not in TEMPLATES:
            raise InvalidDocumentData("template", f"must be one of {', '.join(TEMPLATES)}")
        if self.draws(view, key):
            return reportlab_drawing.draw_pdf(
                view, with_qr=template == "invoice" and bool(view.qr_data_uri)
            )
        html, stylesheets = self._html(template, view, key), self._stylesheets(key)
        with self._layout_lock:
            pdf = html.write_pdf(stylesheets=stylesheets, font_config=self.font_config)
        if pdf is None:  # write_pdf returns the bytes when given no target
            raise RuntimeError("WeasyPrint returned no PDF")
        return bytes(pdf)


def _without_block(box: Any, css_class: str) -> Any:
    """A copy of the laid-out ``box`` without its descendants of ``css_class`` (and what they
    hold), or None when it has none. Untouched subtrees are shared, not copied."""
    children = getattr(box, "children", None)
    if not children:
        return None
    kept, changed = [], False
    for child in children:
        element = child.element
        if element is not None and css_class in (element.get("class") or "").split():
            changed = True
            continue
        copy = _without_block(child, css_class)
        changed = changed or copy is not None
        kept.append(child if copy is None else copy)
    return box.copy_with_children(kept) if changed else None
