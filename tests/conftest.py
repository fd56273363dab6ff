"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is
set), the container, a fixed clock.

Tests that take ``db_url`` (directly or through ``settings`` / ``container``) run on SQLite.
Those where the database's own behaviour is the point (repositories, row locks and races,
numbering, migrations, a few end-to-end runs) carry ``@pytest.mark.both_databases`` and run
once per database: SQLite and PostgreSQL. ``pytest --all-databases`` runs every ``db_url``
test on both.

Under pytest-xdist each worker has its own PostgreSQL database (``<name>_<worker>``) and its
own Redis database number, so workers never see each other's rows or queues.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url, text

from backend.bootstrap import Container, bootstrap
from backend.config import Settings
from backend.db.base import make_engine
from backend.db.migrate import upgrade
from backend.ports import FixedClock

# "gw0", "gw1", ... under pytest-xdist; absent in a plain run
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
FERNET_KEY = Fernet.generate_key().decode()
# Debian's chromium-headless-shell: the same Blink and V8 as /usr/bin/chromium without the
# desktop browser around them (what Playwright itself runs headless); a walk costs it under
# half the CPU (bench: the money walk's file, 28 -> 16 core-seconds). Debian's chromium where
# only that is installed; RENTFLOW_CHROMIUM names another.
CHROMIUM = Path(
    os.environ.get("RENTFLOW_CHROMIUM")
    or next(
        (p for p in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if Path(p).exists()),
        "/usr/bin/chromium-headless-shell",
    )
)
DATABASES = ("sqlite", "postgres")

# no per-example deadline: on a busy machine (two xdist workers, a browser) a deadline is a
# timing assertion that fails for reasons outside the code
hypothesis_settings.register_profile("rentflow", deadline=None)
hypothesis_settings.load_profile("rentflow")


def _per_worker_postgres(url: str) -> str:
    """The worker's own database on the test server: ``rentflow_test_gw1`` for ``gw1``."""
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


def _per_worker_redis(url: str) -> str:
    """The worker's own Redis database number (0 without xdist, 1 + n for ``gwn``)."""
    if not url or not WORKER:
        return url
    return f"{url.rstrip('/').rsplit('/', 1)[0]}/{1 + int(WORKER.removeprefix('gw'))}"


BASE_POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
POSTGRES_URL = _per_worker_postgres(BASE_POSTGRES_URL)
REDIS_URL = _per_worker_redis(os.environ.get("TEST_REDIS_URL", ""))
if REDIS_URL:  # the tests that start a worker on Redis read the variable
    os.environ["TEST_REDIS_URL"] = REDIS_URL


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all-databases", action="store_true",
        help="run every test taking db_url on SQLite and on PostgreSQL, not only the marked",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    from tests.rewrite_cache import rewrite_share
    from tests.route_builders import memoize_url_builders
    from tests.shared_dialects import share_dialects
    from tests.shared_templates import share_templates

    rewrite_share(config)  # an xdist worker: its share of the modules' rewritten asserts
    memoize_url_builders()  # each route's URL builder compiled once, not once per app
    share_dialects()  # each statement compiled once, not once per test's database
    share_templates()  # each template compiled once, not once per app


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection loaded (every module, the test items) is kept out of the cyclic
    collector's scans, as a billing worker keeps what it loaded (``tune_gc_for_batch_work``):
    a full collection of a worker's heap took ~140 ms and ran ~30 times in a few hundred
    tests; frozen, ~50 ms. Garbage the tests make is collected as before."""
    gc.collect()
    gc.freeze()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" not in metafunc.fixturenames:
        return
    both = metafunc.config.getoption("--all-databases") or metafunc.definition.get_closest_marker(
        "both_databases"
    )
    metafunc.parametrize("db_url", DATABASES if both else DATABASES[:1], indirect=True)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (the default): the slowest work first (``tests/scheduling.py``)."""
    if config.getoption("dist") != "loadfile":
        return None
    from tests.scheduling import SlowestFirst

    return SlowestFirst(config, log)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "rentflow.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    """This worker's database, created afresh on the test server and migrated."""
    if POSTGRES_URL != BASE_POSTGRES_URL:
        name = make_url(POSTGRES_URL).database
        server = make_engine(BASE_POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        server.dispose()
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


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or this worker's PostgreSQL truncated
    (``both_databases`` tests get each in turn)."""
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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium under Playwright, one per test process: a second ``sync_playwright``
    while one is open fails ("Sync API inside the asyncio loop"), so every browser test
    shares this one."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make system-test` installs Debian's headless one")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()
