"""GET /amocrm/widget/workspace: the widget's disposable token in, the workspace address out,
signed for the user amoCRM says is calling (name and admin rights from GET /api/v4/users/{id})."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from backend.web.workspace.viewer import Viewer, read_viewer
from sandbox.amocrm.users import ADMIN_ID, MANAGER_ID
from tests.e2e.amocrm.world import World, install, lease_on_lead


def _ask(world: World, query: str, **token: Any) -> requests.Response:
    return requests.get(
        f"{world.rentflow}/amocrm/widget/workspace{query}",
        headers={"X-Auth-Token": world.token(**token)},
        timeout=30,
    )


def _viewer(world: World, url: str) -> tuple[str, dict[str, list[str]], Viewer]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return parts.path, query, read_viewer(world.container, query["t"][0])


def test_an_administrator_gets_the_workspace_signed_with_amocrm_s_name_and_rights(
    world: World,
) -> None:
    portal_id = install(world)

    answer = _ask(world, "?area=advanced_settings&lang=en", user_id=str(ADMIN_ID))

    assert answer.status_code == 200, answer.text
    path, query, viewer = _viewer(world, answer.json()["url"])
    assert path == "/workspace/"
    assert query["LANG"] == ["en"]
    assert viewer == Viewer(portal_id=portal_id, crm="amocrm", user_id=str(ADMIN_ID),
                            user_name="Анна Админова", is_admin=True, lang="en")  # fmt: skip
    page = requests.get(f"{world.rentflow}{answer.json()['url']}", timeout=30)
    assert page.status_code == 200
    assert "Анна Админова" in page.text  # the workspace knows who is looking
    assert ("GET", f"/api/v4/users/{ADMIN_ID}", 200) in world.account.calls


def test_a_manager_is_refused_the_settings_but_gets_a_lead_s_panel_without_admin_rights(
    world: World,
) -> None:
    install(world)
    lead = world.account.add_lead("Аренда офиса 5")

    settings = _ask(world, "?area=advanced_settings", user_id=str(MANAGER_ID))
    panel = _ask(world, f"?lead_id={lead}", user_id=str(MANAGER_ID))

    assert settings.status_code == 403
    assert "url" not in settings.json()
    assert panel.status_code == 200, panel.text
    _, query, viewer = _viewer(world, panel.json()["url"])
    assert (viewer.user_name, viewer.is_admin, viewer.lang) == ("Михаил Менеджеров", False, "ru")
    assert query["LANG"] == ["ru"]


def test_a_lead_without_a_lease_opens_the_create_form_and_one_with_a_lease_its_card(
    world: World,
) -> None:
    portal_id = install(world)
    bare, leased = world.account.add_lead("Офис 1"), world.account.add_lead("Офис 2")
    lease_id = lease_on_lead(world, portal_id, leased)

    new = _ask(world, f"?lead_id={bare}")
    card = _ask(world, f"?lead_id={leased}")

    assert (new.json()["lease"], card.json()["lease"]) == (False, True)
    new_path, new_query, _ = _viewer(world, new.json()["url"])
    card_path, _, _ = _viewer(world, card.json()["url"])
    assert (new_path, new_query["deal"]) == ("/workspace/leases/new", [str(bare)])
    assert new_query["view"] == ["panel"]  # drawn for the narrow card panel
    assert card_path == f"/workspace/leases/{lease_id}"


def test_no_address_without_a_valid_token_or_for_a_user_amocrm_does_not_know(
    world: World,
) -> None:
    install(world)

    forged = _ask(world, "", secret="another-secret-another-secret-another-secret-00")
    stranger = _ask(world, "", user_id="424242")
    bad_lead = _ask(world, "?lead_id=../1")

    assert (forged.status_code, stranger.status_code, bad_lead.status_code) == (401, 401, 400)
    assert all("url" not in a.json() for a in (forged, stranger, bad_lead))


def test_a_manager_can_neither_read_nor_change_the_account_s_settings(world: World) -> None:
    portal_id = install(world)
    manager = {"X-Auth-Token": world.token(user_id=str(MANAGER_ID))}
    body = {"pipeline_id": "7001", "statuses": {"10004": "signed"}, "events": {}}

    changed = requests.post(f"{world.rentflow}/amocrm/widget/mapping", json=body,
                            headers=manager, timeout=30)  # fmt: skip
    read = requests.get(f"{world.rentflow}/amocrm/widget/mapping",
                        headers={"X-Auth-Token": world.token(user_id=str(MANAGER_ID))},
                        timeout=30)  # fmt: skip
    dp_secret = requests.get(f"{world.rentflow}/amocrm/widget/dp-token",
                             headers={"X-Auth-Token": world.token(user_id=str(MANAGER_ID))},
                             timeout=30)  # fmt: skip

    assert (changed.status_code, read.status_code, dp_secret.status_code) == (403, 403, 403)
    assert "token" not in dp_secret.json()
    with world.container.uow(portal_id) as uow:
        assert uow.mappings.all() == {}
    assert world.web_get("/amocrm/widget/dp-token")["token"]  # the administrator gets it


def test_the_left_menu_s_pages_open_for_a_manager_as_for_an_administrator(world: World) -> None:
    install(world)

    leases = _ask(world, "?area=widget_page&page=leases", user_id=str(MANAGER_ID))
    attention = _ask(world, "?area=widget_page&page=attention&lang=en", user_id=str(ADMIN_ID))
    unknown = _ask(world, "?area=widget_page&page=settings", user_id=str(MANAGER_ID))

    assert leases.status_code == 200, leases.text
    path, query, viewer = _viewer(world, leases.json()["url"])
    assert path == "/workspace/leases"
    assert (viewer.user_name, viewer.is_admin) == ("Михаил Менеджеров", False)
    assert "view" not in query  # a whole page, with the workspace's tabs
    path, _, viewer = _viewer(world, attention.json()["url"])
    assert (path, viewer.is_admin, viewer.lang) == ("/workspace/attention", True, "en")
    assert unknown.status_code == 400
    assert "url" not in unknown.json()
