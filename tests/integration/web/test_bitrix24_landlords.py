"""The landlords section of the workspace, entered from the Bitrix24 app page, over HTTP: an
administrator adds a landlord, a wrong value comes back next to its field in the viewer's
language with what was typed, a deal tab's frame and a manager cannot touch it, and the deal
tab then offers the landlord by name."""

from __future__ import annotations

import html
import re

from backend.web import bitrix24_portal_auth as portal_auth
from tests import factories
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture

MANAGER = 7
FORM = {
    "name": 'ООО "Ромашка"', "short_name": "Ромашка", "inn": "7707083893", "kpp": "773601001",
    "bank_bic": "044525225", "bank_name": "ПАО СБЕРБАНК",
    "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
    "director_name": "Иванов И. И.", "email": "rent@romashka.example",
}  # fmt: skip


def _admin_frame(world: World, user_id: int = 1) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _landlord_names(world: World, portal_id: int | None) -> list[str]:
    with world.container.uow(portal_id) as uow:
        return [x.name for x in uow.parties.landlords()]


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<div class="error" id="e-{field}" role="alert">([^<]*)</div>', html)
    assert found is not None
    return found.group(1)


def test_a_wrong_inn_comes_back_next_to_its_field_in_russian_with_what_was_typed(
    world: World,
) -> None:
    portal = world.installed()
    frame = _admin_frame(world)

    answer = world.web.post(
        "/workspace/landlords/save?LANG=ru",
        data={"t": frame, "lang": "ru", **FORM, "inn": "7707083894"},
    )

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _field_error(html, "inn") == "Не сходятся контрольные цифры: проверьте номер."
    assert _field_error(html, "name") == ""
    assert 'value="ООО &#34;Ромашка&#34;"' in html  # the typed name is kept
    assert 'value="7707083894"' in html
    assert _landlord_names(world, portal.id) == []


def test_the_inline_check_answers_each_problem_in_english(world: World) -> None:
    world.installed()
    frame = _admin_frame(world)

    answer = world.web.post(
        "/workspace/landlords/validate?LANG=en",
        data={"t": frame, "lang": "en", **FORM, "bank_account": "40702810938000000002",
              "email": "rent@\r\nromashka"},
    )  # fmt: skip

    assert answer.status_code == 200
    assert answer.get_json() == {"errors": {
        "bank_account": "The control key does not match this BIC: check the account and the BIC.",
        "email": "Not an e-mail address.",
    }}  # fmt: skip


def test_a_saved_landlord_is_listed_by_name_and_offered_in_the_deal_tab(world: World) -> None:
    portal = world.installed()
    frame = _admin_frame(world)

    saved = world.web.post(
        "/workspace/landlords/save?LANG=en", data={"t": frame, "lang": "en", **FORM}
    )

    assert saved.status_code == 200
    listed = saved.get_data(as_text=True)
    assert "<strong>Ромашка</strong>" in listed
    assert "7707083893 / 773601001" in listed
    assert _landlord_names(world, portal.id) == ['ООО "Ромашка"']
    deal = world.portal.add_deal({"title": "Аренда", "companyId": 1})["id"]
    tab = world.open(
        "/bitrix24/deal-tab", MANAGER, PLACEMENT="CRM_DEAL_DETAIL_TAB",
        PLACEMENT_OPTIONS=f'{{"ID": "{deal}"}}',
    )  # fmt: skip
    link = re.search(r'id="create-lease" href="[^"]*?(/workspace/leases/new\?[^"]+)"', tab.text)
    assert link is not None  # the tab opens the workspace's lease form for the deal
    form = world.web.get(html.unescape(link.group(1)))
    assert re.search(r'<option value="\d+"[^>]*>ООО &#34;Ромашка&#34;</option>', form.text)


def test_a_deal_tab_frame_cannot_add_a_landlord(world: World) -> None:
    portal = world.installed()
    with world.container.uow(portal.id) as uow:
        uow.parties.add_landlord(factories.landlord(name="ООО Первый"))  # the tab offers a form
        uow.commit()
    tab = world.open(
        "/bitrix24/deal-tab", MANAGER, PLACEMENT="CRM_DEAL_DETAIL_TAB",
        PLACEMENT_OPTIONS='{"ID": "5"}',
    )  # fmt: skip
    assert tab.status_code == 200
    tab_frame = portal_auth.sign_frame(world.container, portal.id or 0, portal_auth.TAB_FRAME, "5")

    saved = world.web.post("/workspace/landlords/save", data={"t": tab_frame, **FORM})

    assert saved.status_code == 401
    assert _landlord_names(world, portal.id) == ["ООО Первый"]


def test_a_manager_is_told_settings_are_for_administrators_in_their_language(
    world: World,
) -> None:
    portal = world.installed()
    token = _admin_frame(world, MANAGER)

    page = world.web.get(f"/workspace/landlords?t={token}&LANG=en")
    saved = world.web.post("/workspace/landlords/save", data={"t": token, **FORM})

    assert page.status_code == 403
    assert "Settings are for portal administrators" in page.get_data(as_text=True)
    assert "Add a landlord" not in page.get_data(as_text=True)
    assert saved.status_code == 403
    assert _landlord_names(world, portal.id) == []


def test_an_admin_edits_a_landlord_from_its_prefilled_form(world: World) -> None:
    portal = world.installed()
    frame = _admin_frame(world)
    world.web.post("/workspace/landlords/save", data={"t": frame, **FORM})
    with world.container.uow(portal.id) as uow:
        (landlord_id,) = [x.id for x in uow.parties.landlords()]

    opened = world.web.get(
        "/workspace/landlords/form", query_string={"t": frame, "landlord": landlord_id}
    )
    assert 'id="f-bank_account" name="bank_account" type="text" value="40702810938000000001"' in (
        opened.text
    )
    saved = world.web.post(
        "/workspace/landlords/save?LANG=en",
        data={"t": frame, "landlord": landlord_id, **FORM, "name": 'ООО "Ромашка-Плюс"'},
    )

    assert saved.status_code == 200
    assert _landlord_names(world, portal.id) == ['ООО "Ромашка-Плюс"']


def test_a_form_sent_with_a_forged_frame_token_is_refused_with_a_page_and_writes_nothing(
    world: World,
) -> None:
    portal = world.installed()

    answer = world.web.post("/workspace/landlords/save?LANG=ru", data={"t": "forged.token", **FORM})

    assert answer.status_code == 401
    assert "Страница устарела" in answer.text
    assert _landlord_names(world, portal.id) == []
