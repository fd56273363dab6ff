"""The landlord form's bank lookup over HTTP: the BIC directory answers with the bank's name,
correspondent account and city in the viewer's language, says when a loaded directory lacks
the БИК, says nothing when none is loaded; only a workspace token of the portal's
administrator is answered, as for the form's other inline checks."""

from __future__ import annotations

import re

from tests.bic_world import FORM, NOT_SBERS_CORR, load_sample
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture
MANAGER = 7


def _frame(world: World, user_id: int = 1) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _bank(world: World, token: str, bic: str, lang: str = "ru") -> tuple[int, dict[str, object]]:
    answer = world.web.post(
        f"/workspace/landlords/bank?LANG={lang}", data={"t": token, "lang": lang, "bank_bic": bic}
    )
    return answer.status_code, answer.get_json(silent=True) or {}


def test_a_known_bic_answers_its_bank_in_the_viewers_language(world: World) -> None:
    world.installed()
    load_sample(world.container)
    token = _frame(world)

    status, ru = _bank(world, token, "044525593")
    _, en = _bank(world, token, " 044525974 ", "en")

    assert status == 200
    assert ru == {
        "known": "found",
        "bank": {"name": 'АО "АЛЬФА-БАНК"', "corr_account": "30101810200000000593",
                 "place": "г. Москва"},
        "note": 'АО "АЛЬФА-БАНК", г. Москва — по справочнику БИК Банка России',
    }  # fmt: skip
    assert en["bank"] == {
        "name": 'АО "ТБанк"', "corr_account": "30101810145250000974", "place": "г. Москва"
    }  # fmt: skip
    assert en["note"] == 'АО "ТБанк", г. Москва — from the Bank of Russia\'s BIC directory'


def test_a_bic_the_loaded_directory_lacks_is_said_and_without_a_directory_nothing_is(
    world: World,
) -> None:
    world.installed()
    token = _frame(world)

    assert _bank(world, token, "044525999") == (200, {"known": "no_directory", "note": ""})
    load_sample(world.container)
    assert _bank(world, token, "044525999")[1] == {
        "known": "unknown", "note": "БИК не найден в справочнике Банка России"
    }  # fmt: skip
    assert _bank(world, token, "044525999", "en")[1]["note"] == (
        "BIC not found in the Bank of Russia's directory"
    )
    assert _bank(world, token, "12345")[1] == {"known": "no_directory", "note": ""}


def test_the_lookup_answers_only_a_portal_administrators_workspace_token(world: World) -> None:
    world.installed()
    load_sample(world.container)

    assert _bank(world, "", "044525225")[0] == 401
    assert _bank(world, "forged.token", "044525225")[0] == 401
    assert _bank(world, _frame(world, MANAGER), "044525225")[0] == 403


def test_the_form_refuses_a_correspondent_account_the_directory_does_not_give_the_bank(
    world: World,
) -> None:
    world.installed()
    load_sample(world.container)
    token = _frame(world)
    wrong = {**FORM, "bank_corr_account": NOT_SBERS_CORR}

    inline = world.web.post(
        "/workspace/landlords/validate?LANG=en", data={"t": token, "lang": "en", **wrong}
    )
    saved = world.web.post(
        "/workspace/landlords/save?LANG=ru", data={"t": token, "lang": "ru", **wrong}
    )

    assert inline.get_json() == {"errors": {"bank_corr_account": (
        "The Bank of Russia's BIC directory gives this bank the correspondent account"
        " 30101810400000000225."
    )}}  # fmt: skip
    assert saved.status_code == 422
    html = saved.get_data(as_text=True)
    found = re.search(
        r'<div class="error" id="e-bank_corr_account" role="alert">([^<]*)</div>', html
    )
    assert found is not None
    assert found.group(1) == (
        "По справочнику БИК Банка России корреспондентский счёт этого банка — 30101810400000000225."
    )
    assert "ПАО Сбербанк, г. Москва — по справочнику БИК Банка России" in html
    assert f'value="{NOT_SBERS_CORR}"' in html  # what was typed is kept
