"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is
set), the container, a fixed clock.

Integration tests that take ``db_url`` (directly or through ``container``) run once per
database: the same suite on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.db.base import make_engine
from backend.db.migrate import upgrade
from backend.ports import FixedClock

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
FERNET_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "rentflow.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname='public' AND tablename != 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the test PostgreSQL truncated."""
    if request.param == "sqlite":
        path = tmp_path / "rentflow.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_POSTGRES_URL not set (scripts/test-services.sh starts PostgreSQL)")
    url = request.getfixturevalue("_postgres_migrated")
    _truncate_postgres(url)
    yield url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 2, 1, 0, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        database_url=db_url,
        celery_broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}",
        secret_key="test-secret-key",
        fernet_key=FERNET_KEY,
        public_base_url="http://127.0.0.1:8000",
        sandbox=True,  # the emulators' credentials; production is tested in tests/security
    )


@pytest.fixture
def container(settings: Settings, clock: FixedClock) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, crm_factories={})
    yield built
    built.dispose()


@pytest.fixture
def worker_container(container: Container) -> Iterator[Container]:
    """``container``, also as the one a Celery worker started in the test uses."""
    from jobs import runtime

    runtime.set_container(container)
    yield container
    runtime.set_container(None)


CHROMIUM = Path(os.environ.get("RENTFLOW_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for every browser test of the session: Playwright's sync
    API runs one event loop per process, so the suites must share it, not each start one."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make system-test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--disable-background-networking"]
        )
        yield browser
        browser.close()
