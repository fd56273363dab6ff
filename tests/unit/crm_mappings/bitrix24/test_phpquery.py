"""PHP-style bracketed query strings, both ways."""

from __future__ import annotations

from crm_mappings.bitrix24 import phpquery


def test_nested_dicts_and_lists_round_trip() -> None:
    params = {"entityTypeId": 2, "fields": {"stageId": "C1:NEW", "contactIds": [3, 4]}}

    decoded = phpquery.decode(phpquery.encode(params))

    assert decoded == {
        "entityTypeId": "2",
        "fields": {"stageId": "C1:NEW", "contactIds": ["3", "4"]},
    }


def test_reserved_characters_in_values_survive() -> None:
    text = "Счёт № 5 & акт = 100%?"

    assert phpquery.decode(phpquery.encode({"COMMENT": text})) == {"COMMENT": text}


def test_booleans_become_y_and_n_and_none_an_empty_string() -> None:
    assert phpquery.pairs({"a": True, "b": False, "c": None}) == [("a", "Y"), ("b", "N"), ("c", "")]


def test_event_form_keys_rebuild_the_event() -> None:
    form = [("event", "ONCRMDEALUPDATE"), ("data[FIELDS][ID]", "759"),
            ("auth[member_id]", "m1"), ("auth[application_token]", "t")]  # fmt: skip

    assert phpquery.decode_pairs(form) == {
        "event": "ONCRMDEALUPDATE",
        "data": {"FIELDS": {"ID": "759"}},
        "auth": {"member_id": "m1", "application_token": "t"},
    }


def test_empty_brackets_append_to_a_list() -> None:
    assert phpquery.decode("ids[]=1&ids[]=2") == {"ids": ["1", "2"]}
