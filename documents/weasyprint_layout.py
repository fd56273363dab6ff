"""WeasyPrint's side of ``documents.render.DocumentRenderer``: its fonts, stylesheets and
layouts. Imported only when a document is laid out by WeasyPrint (a landlord's own templates,
text the shipped font lacks, or ``PDF_ENGINE=weasyprint``), so a process drawing only the
shipped templates never loads WeasyPrint and Pango.

WeasyPrint's time goes to fonts and stylesheets, so one ``WeasyLayout`` per process keeps one
``FontConfiguration`` and the prebuilt ``CSS`` objects.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.document import Document, Page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from documents.assets import BOLD_FONT, REGULAR_FONT, package_path

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


class WeasyLayout:
    """Lays documents' HTML out and writes their PDFs; one per process, shared."""

    def __init__(self, templates_dir: Path, roots: list[Path]) -> None:
        fonts_dir = package_path("fonts")
        self.font_config = FontConfiguration()
        self._fetcher = LocalOnlyFetcher(roots)
        css_text = (templates_dir / "style.css").read_text(encoding="utf-8")
        css_text = css_text.replace("{{ regular }}", (fonts_dir / REGULAR_FONT).as_uri())
        css_text = css_text.replace("{{ bold }}", (fonts_dir / BOLD_FONT).as_uri())
        self._base_css = CSS(
            string=css_text, font_config=self.font_config, url_fetcher=self._fetcher
        )
        self._override_css: dict[str, CSS | None] = {}
        self._lock = threading.Lock()
        # WeasyPrint shares the font configuration (Pango/fontconfig) and is not safe to run
        # from two threads at once: one layout at a time per process; processes scale out
        self._layout_lock = threading.Lock()

    def stylesheets(self, key: str, extra: Path | None) -> list[CSS]:
        """The shipped stylesheet, then the landlord's ``extra`` one when it exists (read once
        per ``key``)."""
        with self._lock:
            if key not in self._override_css:
                self._override_css[key] = (
                    CSS(filename=str(extra), font_config=self.font_config,
                        url_fetcher=self._fetcher)
                    if extra is not None and extra.is_file()
                    else None
                )  # fmt: skip
            extra_css = self._override_css[key]
        return [self._base_css] if extra_css is None else [self._base_css, extra_css]

    def _html(self, html: str, directory: Path) -> HTML:
        return HTML(string=html, base_url=directory.as_uri() + "/", url_fetcher=self._fetcher)

    def layout(self, html: str, directory: Path, stylesheets: list[CSS]) -> Document:
        """The laid-out document, no PDF written."""
        document = self._html(html, directory)
        with self._layout_lock:
            return document.render(stylesheets=stylesheets, font_config=self.font_config)

    def pdf(self, html: str, directory: Path, stylesheets: list[CSS]) -> bytes:
        """The document as PDF bytes."""
        document = self._html(html, directory)
        with self._layout_lock:
            pdf = document.write_pdf(stylesheets=stylesheets, font_config=self.font_config)
        if pdf is None:  # write_pdf returns the bytes when given no target
            raise RuntimeError("WeasyPrint returned no PDF")
        return bytes(pdf)

    def pair(
        self, html: str, directory: Path, stylesheets: list[CSS]
    ) -> tuple[bytes, bytes | None]:
        """The invoice with its QR code and, laid out once with it, the same pages without
        the ``.qr`` block; None for the second when the template has no such block."""
        document = self._html(html, directory)
        with self._layout_lock:
            laid_out = document.render(stylesheets=stylesheets, font_config=self.font_config)
            with_qr = laid_out.write_pdf()
            boxes = [_without_block(page._page_box, QR_BLOCK) for page in laid_out.pages]
            if not any(box is not None for box in boxes):
                return bytes(with_qr), None
            pages = [
                page if box is None else Page(box)
                for page, box in zip(laid_out.pages, boxes, strict=True)
            ]
            return bytes(with_qr), bytes(laid_out.copy(pages).write_pdf())


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
