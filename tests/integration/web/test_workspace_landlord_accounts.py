"""The landlord form over HTTP: an account a lease is paid to is refused for removal next to
its row as the field is left (the inline check), not only on "Save"."""

from __future__ import annotations

from backend.services.landlords import landlord_form
from tests.integration.services.test_landlord_accounts import _landlord, _lease_paid_to_second
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture


def test_the_inline_check_says_an_account_a_lease_is_paid_to_stays(world: World) -> None:
    portal_id = world.installed().id or 0
    landlord_id = _landlord(world.container, portal_id)
    _lease_paid_to_second(world.container, portal_id, landlord_id)
    with world.container.uow(portal_id) as uow:
        form = landlord_form(uow, landlord_id)
    token = token_of(world.open("/bitrix24/app", 1, PLACEMENT="DEFAULT"))
    values = form.values | {"bank_remove-1": "1", "bank_id": str(form.accounts.ids[0]),
                            "bank_id-1": str(form.accounts.ids[1])}  # fmt: skip

    inline = world.web.post(
        "/workspace/landlords/validate?LANG=en",
        data={"t": token, "lang": "en", "landlord": str(landlord_id), **values},
    )

    errors = inline.get_json()["errors"]
    assert list(errors) == ["bank_account-1"]
    assert "А-7/2026" in errors["bank_account-1"]
