"""The amoCRM advanced settings page's landlord entities and 1C settings."""

from __future__ import annotations

from typing import Any

from backend.domain.billing import DocumentKind
from backend.services.portal_settings import landlord_json
from tests import factories
from tests.integration.web.amocrm_account import Widget

LANDLORDS = "/amocrm/widget/settings/landlords"
ONEC = "/amocrm/widget/settings/onec"


def _new_landlord(**overrides: Any) -> dict[str, Any]:
    body = landlord_json(factories.landlord(**overrides), {})
    del body["id"]
    return body


def test_the_lease_s_landlord_is_listed_with_its_requisites(widget: Widget) -> None:
    answer = widget.call("GET", LANDLORDS)

    (only,) = answer.json["landlords"]
    assert only["landlord"]["inn"] == "7707083893"
    assert only["landlord"]["bank"]["bic"] == factories.SBER.bic
    assert only["numbering"] == {"invoice": {}, "act": {}}


def test_a_landlord_is_added_and_another_s_numbering_changes_its_next_invoice(
    widget: Widget,
) -> None:
    (current,) = widget.call("GET", LANDLORDS).json["landlords"]
    added = widget.call("POST", LANDLORDS, _new_landlord(name='ООО "Лютик"'))
    current["numbering"] = {"invoice": {"prefix": "АР-", "width": 4}}
    changed = widget.call("POST", f"{LANDLORDS}/{current.pop('id')}", current)
    widget.press("issue_next_invoice")

    assert (added.status_code, changed.status_code) == (201, 200)
    names = [item["landlord"]["name"] for item in widget.call("GET", LANDLORDS).json["landlords"]]
    assert names == ['ООО "Ромашка"', 'ООО "Лютик"']
    (invoice,) = widget.documents(DocumentKind.INVOICE)
    assert invoice.number.startswith("АР-")


def test_broken_requisites_or_an_unknown_landlord_change_nothing(widget: Widget) -> None:
    bad_inn = widget.call("POST", LANDLORDS, _new_landlord(inn="7707083890"))
    no_bank = _new_landlord()
    del no_bank["landlord"]["bank"]
    missing = widget.call("POST", LANDLORDS, no_bank)
    unknown = widget.call("POST", f"{LANDLORDS}/9999", _new_landlord())

    assert (bad_inn.status_code, bad_inn.json["field"]) == (400, "landlord.inn")
    assert (missing.status_code, missing.json["field"]) == (400, "landlord.bank")
    assert unknown.status_code == 404
    assert len(widget.call("GET", LANDLORDS).json["landlords"]) == 1


def test_the_1c_password_is_stored_but_never_sent_back(widget: Widget) -> None:
    before = widget.call("GET", ONEC)
    saved = widget.call(
        "POST",
        ONEC,
        {"odata_url": "https://1c.example/buh/odata/standard.odata", "user": "rentflow",
         "password": "s3cret-1c", "export": True, "accountant_email": "buh@romashka.example"},
    )  # fmt: skip
    kept = widget.call("POST", ONEC, {"password": "", "poll_days": 45})
    shown = widget.call("GET", ONEC)

    assert before.json["password_set"] is False
    assert before.json["poll"] is True
    assert "s3cret-1c" not in saved.get_data(as_text=True) + shown.get_data(as_text=True)
    assert shown.json == kept.json
    assert shown.json["password_set"] is True
    assert (shown.json["export"], shown.json["poll_days"]) == (True, 45)
    with widget.container.uow() as uow:
        stored = uow.portals.get(widget.portal_id).settings["onec"]
    assert "password" not in stored  # sealed on write: backend/onec/credentials.py opens it
    assert widget.container.cipher.decrypt(stored["password_encrypted"]) == {
        "password": "s3cret-1c"
    }
    assert stored["odata_url"] == "https://1c.example/buh/odata/standard.odata"


def test_the_1c_password_can_be_cleared(widget: Widget) -> None:
    widget.call("POST", ONEC, {"password": "s3cret-1c"})
    cleared = widget.call("POST", ONEC, {"clear_password": True})

    assert cleared.json["password_set"] is False
    with widget.container.uow() as uow:
        stored = uow.portals.get(widget.portal_id).settings["onec"]
    assert "password" not in stored
    assert "password_encrypted" not in stored


def test_bad_1c_settings_and_forged_tokens_change_nothing(widget: Widget) -> None:
    answers = [
        widget.call("POST", ONEC, {"odata_url": "ftp://1c.example"}),
        widget.call("POST", ONEC, {"poll_days": "many"}),
        widget.call("POST", ONEC, {"delete_base": True}),
        widget.call("POST", ONEC, {"user": "x"}, secret="another-secret-of-at-least-32-bytes!!"),
        widget.call("GET", LANDLORDS, account_id="31000000"),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 401, 401]
    with widget.container.uow() as uow:
        assert "onec" not in uow.portals.get(widget.portal_id).settings
