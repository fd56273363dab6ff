from __future__ import annotations

import pytest

from backend.config import PDF_ENGINES, Settings
from documents.render import ENGINES


def test_shipped_templates_are_drawn_by_reportlab_unless_told_otherwise() -> None:
    assert Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k"}).document_pdf_engine == (
        "reportlab"
    )
    chosen = Settings.from_env(
        {"SECRET_KEY": "s", "FERNET_KEY": "k", "DOCUMENT_PDF_ENGINE": "weasyprint"}
    )
    assert chosen.document_pdf_engine == "weasyprint"


def test_an_unknown_pdf_engine_stops_the_start() -> None:
    with pytest.raises(ValueError, match="DOCUMENT_PDF_ENGINE must be one of reportlab"):
        Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k", "DOCUMENT_PDF_ENGINE": "pdfkit"})


def test_settings_know_the_engines_the_renderer_has() -> None:
    assert PDF_ENGINES == ENGINES
