"""The 1C OData password at rest: stored encrypted, opened only to build the client, sealed
when found in plain text, shown nowhere."""

from __future__ import annotations

import json
from dataclasses import replace

from click.testing import CliRunner
from sqlalchemy import text

from backend.bootstrap import Container
from backend.cli import main
from backend.config import Settings
from backend.onec.odata import SEALED_PASSWORD, ODataSettings
from backend.services.onec_runs import poll_portal, seal_stored_passwords
from tests.payments_world import build_world


def _stored_settings(container: Container, portal_id: int) -> str:
    """The portal's settings exactly as the database holds them."""
    with container.engine.connect() as connection:
        raw = connection.execute(
            text("SELECT settings FROM portals WHERE id = :id"), {"id": portal_id}
        ).scalar_one()
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)


def _store_plain(container: Container, portal_id: int, base_url: str) -> None:
    with container.uow() as uow:
        portal = uow.portals.get(portal_id)
        onec = {"odata_url": base_url, "user": "buh", "password": "secret"}
        uow.portals.save(replace(portal, settings={**portal.settings, "onec": onec}))
        uow.commit()


def test_a_plain_password_stored_before_is_sealed_by_the_poll_which_still_logs_in(
    container: Container, base_url: str
) -> None:
    world = build_world(container)
    _store_plain(container, world.portal_id, base_url)
    assert "secret" in _stored_settings(container, world.portal_id)
    summary = poll_portal(container.onec_ports(), world.portal_id)
    assert summary is not None
    assert summary.added == 2  # the emulator accepted the decrypted password
    stored = _stored_settings(container, world.portal_id)
    assert "secret" not in stored
    assert SEALED_PASSWORD in stored
    again = poll_portal(container.onec_ports(), world.portal_id)
    assert again is not None
    assert again.duplicates == 2  # and the sealed one, the next time


def test_the_poll_fan_out_seals_every_plain_password_once(
    container: Container, base_url: str
) -> None:
    world = build_world(container)
    _store_plain(container, world.portal_id, base_url)
    assert seal_stored_passwords(container.onec_ports()) == [world.portal_id]
    assert seal_stored_passwords(container.onec_ports()) == []
    with container.uow() as uow:
        settings = uow.portals.get(world.portal_id).settings
    opened = ODataSettings.from_portal(settings, container.cipher)
    assert opened is not None
    assert opened.password == "secret"


def test_the_login_command_stores_the_password_encrypted_and_never_prints_it(
    container: Container, settings: Settings
) -> None:
    world = build_world(container)
    env = {
        "DATABASE_URL": settings.database_url,
        "RENTFLOW_VAR_DIR": str(settings.var_dir),
        "FERNET_KEY": settings.fernet_key,
        "SECRET_KEY": settings.secret_key,
    }
    args = ["onec", "login", "--odata-url", "http://1c.example/base/odata/standard.odata",
            "--user", "buh"]  # fmt: skip
    done = CliRunner().invoke(main, args, input="Пароль-1C\n", env=env)
    assert done.exit_code == 0, done.output
    assert "Пароль-1C" not in done.output
    shown = json.loads(done.output[done.output.index("{") :])
    assert shown == {
        "odata_url": "http://1c.example/base/odata/standard.odata",
        "user": "buh",
        "password_set": True,
    }
    assert "Пароль-1C" not in _stored_settings(container, world.portal_id)
    with container.uow() as uow:
        settings_now = uow.portals.get(world.portal_id).settings
    opened = ODataSettings.from_portal(settings_now, container.cipher)
    assert opened is not None
    assert opened.password == "Пароль-1C"
