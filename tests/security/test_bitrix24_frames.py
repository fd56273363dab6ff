"""Issue 14, break 9 ("a deal-tab frame token can save the admin's stage mapping"), replayed as
found: a manager opens a deal's tab, takes the signed frame token from the page and posts the
app page's settings form with it. Settings are for portal administrators (``user.admin``,
api-reference/common/users/user-admin)."""

from __future__ import annotations

from backend.web import bitrix24_portal_auth as portal_auth
from tests import factories
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture

MANAGER = 7  # a portal user who is not an administrator


def _mappings(world: World, portal_id: int | None) -> dict[str, object]:
    with world.container.uow(portal_id) as uow:
        return dict(uow.mappings.all())


def test_a_deal_tab_frame_cannot_save_the_stage_mapping(world: World) -> None:
    portal = world.installed()
    with world.container.uow(portal.id) as uow:
        uow.parties.add_landlord(factories.landlord())  # the tab then offers its lease form
        uow.commit()
    tab = world.open(
        "/bitrix24/deal-tab", MANAGER, PLACEMENT="CRM_DEAL_DETAIL_TAB",
        PLACEMENT_OPTIONS='{"ID": "5"}',
    )  # fmt: skip
    assert tab.status_code == 200
    tab_frame = portal_auth.sign_frame(world.container, portal.id or 0, portal_auth.TAB_FRAME, "5")

    saved = world.web.post(
        "/workspace/pipelines",
        data={"t": tab_frame, "status:0:NEW": "signed", "billing_mode": "lease_deal"},
    )

    assert saved.status_code == 401
    assert _mappings(world, portal.id) == {}


def test_a_manager_enters_the_workspace_but_its_settings_answer_403(world: World) -> None:
    portal = world.installed()
    token = token_of(world.open("/bitrix24/app", MANAGER, PLACEMENT="DEFAULT"))

    page = world.web.get("/workspace/pipelines", query_string={"t": token})
    saved = world.web.post(
        "/workspace/pipelines",
        data={"t": token, "status:0:NEW": "signed", "billing_mode": "lease_deal"},
    )

    assert [page.status_code, saved.status_code] == [403, 403]
    assert "status:0:NEW" not in page.get_data(as_text=True)
    assert _mappings(world, portal.id) == {}


def test_an_administrator_saves_the_mapping_with_the_workspace_token(world: World) -> None:
    portal = world.installed()
    token = token_of(world.open("/bitrix24/app", 1, PLACEMENT="DEFAULT"))

    saved = world.web.post(
        "/workspace/pipelines",
        data={"t": token, "status:0:NEW": "signed", "billing_mode": "lease_deal"},
    )

    assert saved.status_code == 200
    assert list(_mappings(world, portal.id)) == ["0"]


def test_a_workspace_token_cannot_drive_the_deal_tab(world: World) -> None:
    portal = world.installed()
    token = token_of(world.open("/bitrix24/app", 1, PLACEMENT="DEFAULT"))

    pressed = world.web.post(
        "/bitrix24/deal-tab/action", data={"frame": token, "action": "issue_act"}
    )

    assert pressed.status_code == 401
    with world.container.uow(portal.id) as uow:
        assert uow.leases.list() == []
