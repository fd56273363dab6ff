"""Telegram is optional in production: off without a token, and once enabled it needs a token
and a bot name of its own (the sandbox's are public); the token never shows in settings."""

from __future__ import annotations

from backend.config import SANDBOX_TELEGRAM_TOKEN, Settings, production_problem
from tests.security.test_production_start import OWN


def test_production_without_a_token_has_telegram_off_and_starts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({**OWN, "RENTFLOW_VAR_DIR": str(tmp_path)})
    assert not settings.telegram_enabled
    assert settings.telegram_api_base == "https://api.telegram.org"
    assert production_problem(settings) is None


def test_enabled_without_a_token_or_with_the_sandbox_one_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**OWN, "RENTFLOW_VAR_DIR": str(tmp_path), "TELEGRAM_ENABLED": "1"}
    assert production_problem(Settings.from_env(env)) == (
        "TELEGRAM_BOT_TOKEN is not set (RENTFLOW_SANDBOX is off: production needs it)"
    )
    sandbox_token = {**env, "TELEGRAM_BOT_TOKEN": SANDBOX_TELEGRAM_TOKEN}
    assert "TELEGRAM_BOT_TOKEN is the sandbox's" in str(
        production_problem(Settings.from_env(sandbox_token))
    )
    own = {**env, "TELEGRAM_BOT_TOKEN": "123:own", "TELEGRAM_BOT_USERNAME": "landlord_bot"}
    settings = Settings.from_env(own)
    assert production_problem(settings) is None
    assert "123:own" not in repr(settings)


def test_the_sandbox_has_its_emulated_bot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"RENTFLOW_SANDBOX": "1", "RENTFLOW_VAR_DIR": str(tmp_path)})
    assert settings.telegram_enabled
    assert settings.telegram_api_base == "http://127.0.0.1:8000/sandbox/telegram"
