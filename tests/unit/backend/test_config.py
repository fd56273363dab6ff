from __future__ import annotations

import os

import pytest

from backend.config import PDF_ENGINES, Settings, UnsafeSettings
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


@pytest.mark.parametrize(
    ("env", "secure"),
    [
        ({}, True),  # production
        ({"RENTFLOW_SANDBOX": "1"}, False),  # the sandbox on plain http://127.0.0.1
        ({"RENTFLOW_SANDBOX": "1", "PUBLIC_BASE_URL": "https://demo.example"}, True),
        ({"CABINET_COOKIE_SECURE": "0"}, False),
        ({"RENTFLOW_SANDBOX": "1", "CABINET_COOKIE_SECURE": "1"}, True),
    ],
)
def test_the_cabinet_cookie_is_secure_unless_the_sandbox_runs_on_http(
    env: dict[str, str], secure: bool, tmp_path: object
) -> None:
    settings = Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k",
                                  "RENTFLOW_VAR_DIR": str(tmp_path), **env})  # fmt: skip
    assert settings.cabinet_secure_cookie is secure


def test_a_web_process_per_core_at_most_four_unless_told_otherwise() -> None:
    cores = len(os.sched_getaffinity(0))
    assert Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k"}).web_processes == min(cores, 4)
    env = {"SECRET_KEY": "s", "FERNET_KEY": "k", "WEB_PROCESSES": "3"}
    assert Settings.from_env(env).web_processes == 3


@pytest.mark.parametrize("value", ["0", "-1", "65", "two", "1.5"])
def test_a_web_process_count_out_of_range_stops_the_start(value: str) -> None:
    with pytest.raises(UnsafeSettings, match=f"WEB_PROCESSES must be .* not '{value}'"):
        Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k", "WEB_PROCESSES": value})


def test_the_worker_yields_from_500_web_requests_a_second_for_two_minutes_unless_told() -> None:
    base = {"SECRET_KEY": "s", "FERNET_KEY": "k"}
    shipped = Settings.from_env(base)
    assert (shipped.worker_yield_rate, shipped.worker_yield_seconds) == (500, 120)
    told = Settings.from_env({**base, "WORKER_YIELD_RATE": "0", "WORKER_YIELD_SECONDS": " 30 "})
    assert (told.worker_yield_rate, told.worker_yield_seconds) == (0, 30)


@pytest.mark.parametrize("name", ["WORKER_YIELD_RATE", "WORKER_YIELD_SECONDS"])
@pytest.mark.parametrize("value", ["-1", "fast", "1.5"])
def test_a_yield_setting_that_is_not_a_whole_number_stops_the_start(name: str, value: str) -> None:
    with pytest.raises(
        UnsafeSettings, match=f"{name} must be a whole number from 0 up, not '{value}'"
    ):
        Settings.from_env({"SECRET_KEY": "s", "FERNET_KEY": "k", name: value})
