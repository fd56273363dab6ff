"""Production is the default: without RENTFLOW_SANDBOX the long-running processes refuse to
start on a missing credential or on the sandbox's public one, naming the variable, and the
emulators are never mounted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from werkzeug.test import Client

from backend.cli.runtime import REFUSED, _with_sandbox
from backend.config import (
    SANDBOX_AMOCRM_CLIENT_SECRET,
    SANDBOX_BITRIX24_CLIENT_SECRET,
    Settings,
    UnsafeSettings,
    production_problem,
)
from backend.web.app import create_app
from jobs import runtime
from tests.processes import ROOT, cli_command

OWN = {
    "BITRIX24_CLIENT_ID": "app.573ad8a0346747.09223434",
    "BITRIX24_CLIENT_SECRET": "b24-own-secret-value",
    "AMOCRM_CLIENT_ID": "0c8a7d3e-5d62-4c71-9d5e-5a4d9b8b0f01",
    "AMOCRM_CLIENT_SECRET": "amo-own-secret-" + "x" * 49,
    "SECRET_KEY": "own-secret-key-of-this-deployment",
    "ADMIN_TOKEN": "own-operator-token",
}


def _env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OWN and not k.startswith("RENTFLOW_")}
    env.pop("DATABASE_URL", None)
    env.update(OWN, RENTFLOW_VAR_DIR=str(tmp_path / "var"))
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def test_the_sandbox_is_off_unless_asked_for() -> None:
    assert Settings.from_env({"FERNET_KEY": "k", "SECRET_KEY": "s"}).sandbox is False
    assert Settings().sandbox is False
    sandbox = Settings.from_env({"FERNET_KEY": "k", "SECRET_KEY": "s", "RENTFLOW_SANDBOX": "1"})
    assert sandbox.sandbox is True


@pytest.mark.parametrize("name", sorted(OWN))
def test_each_missing_credential_is_named(name: str, tmp_path: Path) -> None:
    env = {**OWN, "RENTFLOW_VAR_DIR": str(tmp_path), "FERNET_KEY": "k"}
    del env[name]
    problem = production_problem(Settings.from_env(env))
    assert problem is not None
    assert problem.startswith(f"{name} is not set")


@pytest.mark.parametrize(
    ("name", "public"),
    [
        ("BITRIX24_CLIENT_ID", "local.rentflow"),
        ("BITRIX24_CLIENT_SECRET", SANDBOX_BITRIX24_CLIENT_SECRET),
        ("AMOCRM_CLIENT_ID", "rentflow-sandbox"),
        ("AMOCRM_CLIENT_SECRET", SANDBOX_AMOCRM_CLIENT_SECRET),
        ("SECRET_KEY", "dev-only"),
    ],
)
def test_a_sandbox_default_counts_as_no_credential(name: str, public: str) -> None:
    problem = production_problem(Settings.from_env({**OWN, "FERNET_KEY": "k", name: public}))
    assert problem is not None
    assert problem.startswith(f"{name} is the sandbox's public default")


def test_own_credentials_start_and_the_sandbox_needs_none() -> None:
    assert production_problem(Settings.from_env({**OWN, "FERNET_KEY": "k"})) is None
    assert production_problem(Settings.from_env({"RENTFLOW_SANDBOX": "1", "FERNET_KEY": "k",
                                                 "SECRET_KEY": "s"})) is None  # fmt: skip


def test_without_secret_key_production_makes_none_up(tmp_path: Path) -> None:
    env = {**OWN, "RENTFLOW_VAR_DIR": str(tmp_path), "FERNET_KEY": "k"}
    del env["SECRET_KEY"]
    assert Settings.from_env(env).secret_key == ""
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("command", ["serve", "worker", "beat"])
def test_a_long_running_process_refuses_the_sandboxs_amocrm_secret(
    command: str, tmp_path: Path
) -> None:
    env = _env(tmp_path, AMOCRM_CLIENT_SECRET=SANDBOX_AMOCRM_CLIENT_SECRET)
    done = subprocess.run(
        cli_command(command), env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == REFUSED
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "rentflow: not starting: AMOCRM_CLIENT_SECRET is the sandbox's public default;"
        " set a value of your own"
    ]
    assert not (tmp_path / "var" / "rentflow.db").exists()  # refused before touching anything


def test_serve_without_admin_token_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        cli_command("serve"), env=_env(tmp_path, ADMIN_TOKEN=None), cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == REFUSED
    assert "ADMIN_TOKEN is not set" in done.stderr


def test_serve_refuses_a_web_process_count_out_of_range(tmp_path: Path) -> None:
    done = subprocess.run(
        cli_command("serve"), env=_env(tmp_path, WEB_PROCESSES="0"), cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == REFUSED
    assert "WEB_PROCESSES must be a whole number from 1 to 64, not '0'" in done.stderr
    assert not (tmp_path / "var" / "rentflow.db").exists()


def test_production_mounts_no_emulator(settings: Settings) -> None:
    production = settings.with_(sandbox=False, admin_token="own-operator-token")
    wrapped = Client(_with_sandbox(create_app(production), production))
    for prefix in ("/sandbox/bitrix24/", "/sandbox/amocrm/", "/sandbox/onec/"):
        assert wrapped.get(prefix).status_code == 404
    sandboxed = settings.with_(sandbox=True)
    mounted = Client(_with_sandbox(create_app(sandboxed), sandboxed))
    assert mounted.get("/sandbox/onec/").status_code != 404  # the check can see a mount


def test_a_wsgi_server_building_the_app_from_the_environment_gets_the_same_check(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = _env(tmp_path, ADMIN_TOKEN=None)
    for name in [n for n in os.environ if n not in env]:  # e.g. a RENTFLOW_SANDBOX left set
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(runtime, "_container", None)  # a fresh process has none
    with pytest.raises(UnsafeSettings, match=r"^ADMIN_TOKEN is not set"):
        create_app()
    with pytest.raises(UnsafeSettings, match=r"^ADMIN_TOKEN is not set"):
        runtime.container()
