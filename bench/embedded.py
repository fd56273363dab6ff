"""What the benches share: the environment of an embedded-mode rentflow (SQLite and the
SQLite broker under a fresh var directory, mail to an SMTP sink on loopback)."""

from __future__ import annotations

import os
from pathlib import Path

from backend.config import Settings
from backend.db.migrate import upgrade


def embedded_env(var: Path, smtp_port: int) -> tuple[Settings, dict[str, str]]:
    """Migrated settings for ``var`` and the environment a ``rentflow worker`` child needs
    to see the same database, broker and SMTP sink."""
    env = {
        **os.environ,
        "RENTFLOW_VAR_DIR": str(var),
        "RENTFLOW_SANDBOX": "0",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    settings = Settings.from_env(env)
    upgrade(settings.database_url)
    return settings, env
