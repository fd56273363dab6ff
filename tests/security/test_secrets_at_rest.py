"""Secrets at rest: the 1C password sealed at the moment it is written (never in the database
file nor its WAL), passwords in URLs never printed, rentflow's files 0600 in 0700 folders."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from backend.bootstrap import Container, bootstrap
from backend.config import Settings, masked_url
from backend.domain.lease import LeaseStatus
from backend.domain.messages import OutboxMessage
from backend.mail.smtp import EmlDirMailer, SmtpUrl
from backend.onec.odata import SEALED_PASSWORD, ODataSettings
from backend.services.leases import register_lease
from backend.services.portal_settings import ONEC_SEALED_PASSWORD, save_onec_settings
from backend.services.portals import install_portal
from backend.web.app import create_app
from tests import factories
from tests.conftest import FERNET_KEY
from tests.processes import ROOT, cli_command

PASSWORD = "Пароль-1C-very-secret"


def _sqlite_files(url: str) -> list[Path]:
    path = Path(url.removeprefix("sqlite:///"))
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def test_the_1c_password_is_sealed_when_written_not_at_the_next_poll(
    container: Container,
) -> None:
    if not container.settings.database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file and its WAL")
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="a1")
        uow.commit()
    assert portal.id is not None
    with container.uow() as uow:
        changes = {"odata_url": "https://1c.example/buh/odata/standard.odata", "user": "buh",
                   "password": PASSWORD}  # fmt: skip
        save_onec_settings(uow, container.clock, portal.id, changes)
        uow.commit()
    needle = PASSWORD.encode()
    for path in _sqlite_files(container.settings.database_url):
        assert needle not in path.read_bytes(), path
    with container.uow() as uow:
        stored = uow.portals.get(portal.id).settings
    assert ONEC_SEALED_PASSWORD == SEALED_PASSWORD
    assert "password" not in stored["onec"]
    opened = ODataSettings.from_portal(stored, container.cipher)
    assert opened is not None
    assert opened.password == PASSWORD  # the OData client still logs in


def test_no_repr_shows_a_secret() -> None:
    settings = Settings(
        secret_key="sk-secret-1", fernet_key=FERNET_KEY, admin_token="admin-secret-2",
        smtp_url="smtp://u:smtp-secret-3@mail.example:587",
        database_url="postgresql://rf:db-secret-4@db/rf",
        bitrix24_client_secret="b24-secret-5", amocrm_client_secret="amo-secret-6",
    )  # fmt: skip
    shown = repr(settings) + repr(SmtpUrl.parse(settings.smtp_url))
    shown += repr(ODataSettings("https://1c.example/odata", "buh", "odata-secret-7"))
    for secret in ("sk-secret-1", FERNET_KEY, "admin-secret-2", "smtp-secret-3", "db-secret-4",
                   "b24-secret-5", "amo-secret-6", "odata-secret-7"):  # fmt: skip
        assert secret not in shown


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://rentflow:pg-pass@db.internal:5432/rentflow",
     "redis://:redis-pass@cache:6379/0", "sqla+sqlite:///var/broker.sqlite"],
)  # fmt: skip
def test_printed_urls_have_no_password(url: str) -> None:
    shown = masked_url(url)
    assert "pass" not in shown
    assert shown.split("//")[0] == url.split("//")[0]


def test_db_upgrade_prints_the_url_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://rentflow:pg-pass@127.0.0.1:9/rentflow"
    env = {**os.environ, "RENTFLOW_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": url}
    done = subprocess.run(
        cli_command("db", "upgrade"), env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0  # nothing listens on port 9
    assert "pg-pass" not in done.stdout + done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_made_by_the_cli_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**os.environ, "RENTFLOW_VAR_DIR": str(var), "FERNET_KEY": FERNET_KEY,
           "SECRET_KEY": "own-secret-key-of-this-test"}  # fmt: skip
    env.pop("DATABASE_URL", None)
    env.pop("STORAGE_DIR", None)
    upgraded = subprocess.run(
        cli_command("db", "upgrade"), env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    settings = Settings.from_env({**env, "RENTFLOW_SANDBOX": "1"})
    container = bootstrap(settings, crm_factories={})
    try:
        with container.uow() as uow:
            portal = install_portal(uow, container.clock, kind="bitrix24", external_id="m")
            uow.commit()
        with container.uow(portal.id) as uow:
            register_lease(uow, container.clock, factories.lease(status=LeaseStatus.SIGNED))
            uow.commit()
    finally:
        container.dispose()
    run = subprocess.run(
        cli_command("billing", "run", "--date", "2026-02-24"), env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["issued"] > 0
    assert _mode(var) == 0o700
    assert _mode(var / "rentflow.db") == 0o600
    documents = list((var / "documents").rglob("*"))
    assert any(p.is_file() for p in documents)
    for path in [var / "documents", *documents]:
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_an_outbox_eml_is_private_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        mailer = EmlDirMailer(tmp_path / "outbox", "robot@rentflow.local")
        message = OutboxMessage(dedup_key="k", recipients=("t@example.ru",), subject="S",
                                body_text="B", kind="tenant_documents", id=7)  # fmt: skip
        mailer.send(message, [])
    finally:
        os.umask(previous)
    (written,) = (tmp_path / "outbox").iterdir()
    assert _mode(tmp_path / "outbox") == 0o700
    assert _mode(written) == 0o600


def test_the_front_page_shows_no_database_address_in_production(container: Container) -> None:
    secret_url = "postgresql+psycopg://rentflow:pg-pass@db.internal/rentflow"
    shown = {}
    for sandbox in (False, True):
        smtp = "smtp://u:smtp-pass@mail.internal:587"
        settings = container.settings.with_(sandbox=sandbox, admin_token="t", smtp_url=smtp)
        app = create_app(container=replace(container, settings=settings))
        app.config["RENTFLOW_SETTINGS"] = settings.with_(database_url=secret_url)
        shown[sandbox] = app.test_client().get("/").get_data(as_text=True)
    assert "db.internal" not in shown[False]
    assert "rentflow is running" in shown[False]
    assert "rentflow:***@db.internal" in shown[True]  # the sandbox shows where, masked
    for page in shown.values():
        assert "pg-pass" not in page
        assert "smtp-pass" not in page
