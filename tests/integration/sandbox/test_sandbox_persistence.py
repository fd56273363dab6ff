"""The sandbox portals remember across restarts what rentflow remembers (sandbox.persist), and
start afresh together with a new rentflow database, never one without the other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.config import Settings
from crm_mappings.amocrm.adapter import api_hosts
from sandbox.amocrm.app import create_emulator as amocrm_emulator
from sandbox.amocrm.state import AmoAccount
from sandbox.bitrix24.app import create_emulator as bitrix24_emulator
from sandbox.bitrix24.state import PortalState
from sandbox.persist import StateFile


def _database(tmp_path: Path) -> str:
    db = tmp_path / "rentflow.db"
    db.write_bytes(b"")
    return f"sqlite:///{db}"


def _grant(client: Any, acc: AmoAccount) -> str:
    body = {"client_id": acc.client_id, "client_secret": acc.client_secret,
            "grant_type": "authorization_code", "code": acc.issue_code(),
            "redirect_uri": acc.redirect_uri}  # fmt: skip
    answer = client.post("/oauth2/access_token", json=body)
    assert answer.status_code == 200
    return str(answer.json["access_token"])


def test_the_amocrm_account_keeps_its_leads_tokens_and_ids_across_a_restart(
    tmp_path: Path,
) -> None:
    saved = StateFile(tmp_path / "sandbox" / "amocrm.json", _database(tmp_path))
    first = amocrm_emulator(AmoAccount(), saved=saved).test_client()
    token = _grant(first, first.application.config["AMO_ACCOUNT"])
    added = first.post("/leads", data={"name": "Офис 12", "company": "ООО Ромашка",
                                       "inn": "7707083893"})  # fmt: skip
    lead_id = int(added.headers["Location"].rsplit("/", 1)[1])

    again = AmoAccount()
    second = amocrm_emulator(again, saved=saved).test_client()

    answer = second.get(f"/api/v4/leads/{lead_id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json["name"] == "Офис 12"
    (company,) = answer.json["_embedded"]["companies"]
    assert again.companies[company["id"]]["name"] == "ООО Ромашка"
    assert again.add_lead("Офис 13") > lead_id  # a new lead never takes an old id


def test_the_bitrix24_portal_keeps_its_deals_and_install_across_a_restart(
    tmp_path: Path,
) -> None:
    saved = StateFile(tmp_path / "sandbox" / "bitrix24.json", _database(tmp_path))
    first = bitrix24_emulator(PortalState(), saved=saved).test_client()
    first.post("/_portal/deals", json={"title": "Аренда склада"})
    first.application.config["B24_PORTAL"].installed = True
    first.post("/_portal/control", json={})  # any request writes the state

    again = PortalState()
    bitrix24_emulator(again, saved=saved)

    assert [d["title"] for d in again.deals.values()] == ["Аренда склада"]
    assert again.installed
    assert again.add_deal({})["id"] == 2  # deal 1 is the old one, not a new one


def test_a_new_rentflow_database_starts_the_sandbox_afresh(tmp_path: Path) -> None:
    path = tmp_path / "sandbox" / "amocrm.json"
    first = amocrm_emulator(AmoAccount(), saved=StateFile(path, _database(tmp_path)))
    first.test_client().post("/leads", data={"name": "Офис 12"})
    # rentflow's database replaced by a new file: the old one moved aside keeps its inode, so
    # the new one has another (deleted, its inode could come back at once: ext4 reuses them)
    (tmp_path / "rentflow.db").rename(tmp_path / "rentflow.db.old")
    fresh = AmoAccount()

    amocrm_emulator(fresh, saved=StateFile(path, _database(tmp_path)))

    assert fresh.leads == {}
    assert path.with_suffix(".stale").exists()


def test_the_sandbox_account_is_the_mounted_emulator_on_any_port_and_never_in_production() -> None:
    env = {"RENTFLOW_SANDBOX": "1", "RENTFLOW_PORT": "8123", "RENTFLOW_VAR_DIR": "/nonexistent"}
    sandbox = Settings(sandbox=True, public_base_url=Settings.from_env(env).public_base_url)

    assert sandbox.public_base_url == "http://127.0.0.1:8123"
    assert api_hosts(sandbox).sandbox_base == "http://127.0.0.1:8123/sandbox/amocrm"
    assert api_hosts(Settings(sandbox=False)).sandbox_base == ""
    assert api_hosts(Settings(sandbox=True, amocrm_base_url="http://x:1/a")).sandbox_base == (
        "http://x:1/a"
    )
