"""Running ``python -m backend.cli`` as a real process against a test container's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from backend.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def cli_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a CLI process use the same database, keys and storage."""
    return {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "FERNET_KEY": settings.fernet_key,
        "STORAGE_DIR": str(settings.documents_dir),
    }


def cli_command(*args: str) -> list[str]:
    """``rentflow ARGS`` through this interpreter (the console script may not be installed)."""
    return [sys.executable, "-m", "backend.cli", *args]
