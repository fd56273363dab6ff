"""HTML and PDF rendering of documents with Jinja2 and WeasyPrint.

Speed (research/accounting.md §6, measured): one ``FontConfiguration`` and prebuilt ``CSS``
objects per process, the shipped Latin+Cyrillic font subset instead of system fonts, and
Debian's libharfbuzz-subset0 for subsetting bring a PDF from ~380 ms to ~140 ms. A renderer
is therefore built once per process (see ``backend.bootstrap``) and reused.

Per-landlord overrides: ``override_root/<key>/`` may hold any of the templates
(``layout.html``, ``invoice.html``, ``act.html``, ``items.html``, ``signatures.html``), a
``style.css`` added after the default one, and images (a logo) the templates reference by
relative URL. ``{% extends "default/layout.html" %}`` reaches the shipped version.
"""

from __future__ import annotations

import threading
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

import jinja2
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from documents.errors import InvalidDocumentData
from documents.view import DocumentView

TEMPLATES = ("invoice", "act")
_PACKAGE = files("documents")


def _package_path(*parts: str) -> Path:
    return Path(str(_PACKAGE.joinpath(*parts)))


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

    def __init__(self, override_root: Path | None = None) -> None:
        self._override_root = override_root
        self._templates_dir = _package_path("templates")
        self._fonts_dir = _package_path("fonts")
        self.font_config = FontConfiguration()
        roots = [self._fonts_dir, self._templates_dir]
        self._fetcher = LocalOnlyFetcher([*roots, *([override_root] if override_root else [])])
        css_text = (self._templates_dir / "style.css").read_text(encoding="utf-8")
        css_text = css_text.replace(
            "{{ regular }}", (self._fonts_dir / "DejaVuSans-LatCyr.ttf").as_uri()
        ).replace("{{ bold }}", (self._fonts_dir / "DejaVuSans-Bold-LatCyr.ttf").as_uri())
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

    def _environment(self, key: str) -> jinja2.Environment:
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

    def render_pdf(self, template: str, view: DocumentView, key: str = "") -> bytes:
        """The document as PDF bytes."""
        html, stylesheets = self._html(template, view, key), self._stylesheets(key)
        with self._layout_lock:
            pdf = html.write_pdf(stylesheets=stylesheets, font_config=self.font_config)
        if pdf is None:  # write_pdf returns the bytes when given no target
            raise RuntimeError("WeasyPrint returned no PDF")
        return bytes(pdf)
