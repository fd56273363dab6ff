"""The workspace's premises, needs-attention and settings sections and the landlord form's
images over HTTP, in the viewer's language: problems next to their fields with what was
typed, the 1C password never sent back, a manager's view of their own leases only."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

from PIL import Image

from backend.domain.landlord_images import STAMP, image_key
from backend.domain.parties import Person
from backend.services.landlords import read_form, save_landlord_form
from backend.services.leases import register_lease
from backend.services.mail_templates import OVERDUE, PAYMENT_DUE
from tests import factories
from tests.payments_world import make_invoice
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture
MANAGER = 7


def _token(world: World, user_id: int = 1) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _post(world: World, path: str, token: str, lang: str = "ru", **form: Any) -> Any:
    return world.web.post(f"/workspace/{path}?t={token}&LANG={lang}",
                          data={"t": token, "lang": lang, **form})  # fmt: skip


def _error(html: str, field: str) -> str:
    found = re.search(rf'<div class="error" id="e-{field}" role="alert">([^<]*)</div>', html)
    assert found is not None, field
    return found.group(1)


PREMISES = {"building": "БЦ «Вавилов»", "floor": "2", "number": "205", "area": "42,5",
            "price_per_m2": "1800", "status": "vacant", "kind": "office"}  # fmt: skip


def test_premises_are_added_found_and_a_wrong_area_answered_by_its_field(world: World) -> None:
    world.installed()
    token = _token(world)

    wrong = _post(world, "premises/save", token, **{**PREMISES, "area": "0"})
    assert wrong.status_code == 422
    assert _error(wrong.get_data(as_text=True), "area") == "Должно быть больше нуля."
    assert 'value="БЦ «Вавилов»"' in wrong.get_data(as_text=True)

    saved = _post(world, "premises/save", token, **PREMISES)
    html = saved.get_data(as_text=True)
    assert "Сохранено: помещение 205" in html
    assert "42,5" in html
    assert "1\u00a0800,00\u00a0₽" in html
    assert "Свободно" in html

    inline = _post(world, "premises/validate", token, "en", **{**PREMISES, "area": "abc"})
    assert inline.get_json() == {"errors": {"area": "A number, e.g. 42,5."}}

    manager = _token(world, MANAGER)
    listed = world.web.get(f"/workspace/premises?t={manager}&LANG=en&q=вавилов")
    assert listed.status_code == 200
    assert "205" in listed.get_data(as_text=True)
    assert "Add premises" not in listed.get_data(as_text=True)  # changing is for admins
    assert world.web.get(f"/workspace/premises/form?t={manager}").status_code == 403


def _lease_with_overdue_invoice(world: World, manager_id: str) -> int:
    portal = world.installed()
    manager = Person(name="Сидоров Пётр", email="m@example.ru", crm_user_id=manager_id)
    lease = replace(factories.lease(), manager=manager)
    with world.container.uow(portal.id) as uow:
        lease_id = register_lease(uow, world.container.clock, lease, crm_deal_id="42").lease_id
        uow.documents.add(make_invoice(lease_id, "БП-000101", 1, "100000.00"))
        uow.commit()
    return lease_id


def test_needs_attention_shows_a_managers_own_leases_with_amounts_in_their_language(
    world: World,
) -> None:
    lease_id = _lease_with_overdue_invoice(world, str(MANAGER))
    mine = world.web.get(f"/workspace/attention?t={_token(world, MANAGER)}&LANG=ru")
    html = mine.get_data(as_text=True)
    assert mine.status_code == 200
    assert f'href="/workspace/leases/{lease_id}?t=' in html  # the item opens its lease card
    assert "Счета не оплачены, срок в прошлом или не указан" in html
    assert "№ БП-000101" in html
    assert "100\u00a0000,00\u00a0₽" in html
    assert "/crm/deal/details/42/" in html

    other = world.web.get(f"/workspace/attention?t={_token(world, 8)}&LANG=en")
    assert "Nothing needs attention." in other.get_data(as_text=True)


def test_settings_keep_the_1c_password_write_only_and_name_a_wrong_value(world: World) -> None:
    portal = world.installed()
    token = _token(world)
    base = {"billing_mode": "lease_deal", "before_due": "3, 0", "chain_days_0": "1",
            "chain_to_0": "manager", "mail_subject": "Документы по {lease_number}",
            "mail_body": "{documents}", "onec_poll_days": "31",
            "onec_odata_url": "http://1c.local/odata", "onec_user": "robot",
            **{f"{kind.prefix}_{part}": getattr(kind, part)
               for kind in (PAYMENT_DUE, OVERDUE) for part in ("subject", "body")}}  # fmt: skip

    saved = _post(world, "settings/save", token, **base, onec_password="s3cret-1c")
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "Настройки сохранены." in html
    assert "s3cret-1c" not in html
    assert "Пароль сохранён. Оставьте поле пустым, чтобы его не менять." in html

    again = _post(world, "settings/save", token, **{**base, "onec_user": "robot2"})
    assert "Пароль сохранён." in again.get_data(as_text=True)
    with world.container.uow(portal.id) as uow:
        onec = uow.portals.get(portal.id or 0).settings["onec"]
    assert onec["user"] == "robot2"
    assert "password_encrypted" in onec
    assert "s3cret-1c" not in repr(onec)

    wrong = _post(world, "settings/save", token, "en", **{**base, "chain_days_0": "x"})
    assert wrong.status_code == 422
    assert (
        _error(wrong.get_data(as_text=True), "chain_days_0")
        == "A whole number of days from 1 to 365."
    )

    inline = _post(world, "settings/validate", token, "en",
                   **{**base, "onec_odata_url": "1c.local", "due_mail_body": "{debt}"})  # fmt: skip
    assert inline.get_json() == {"errors": {
        "onec_odata_url": "Must be an http(s) address.",
        "due_mail_body": "Only these placeholders: {lease_number}, {lease_date}, {tenant},"
        " {landlord}, {invoice_number}, {invoice_date}, {due_date}, {amount}, {when},"
        " {requisites}, {penalty}.",
    }}  # fmt: skip

    shown = _post(world, "settings/preview", token, **base)
    assert "Документы по А-15/2026" in shown.get_data(as_text=True)

    sent: list[tuple[Any, ...]] = []
    world.container.task_sender = lambda *call: sent.append(call)
    queued = _post(world, "settings/run", token)
    assert "Запуск поставлен в очередь" in queued.get_data(as_text=True)
    today = world.container.clock.today().isoformat()
    assert sent == [("jobs.tasks.billing_run_portal", portal.id, today)]

    manager = _token(world, MANAGER)
    assert world.web.get(f"/workspace/settings?t={manager}").status_code == 403
    assert _post(world, "settings/run", manager).status_code == 403


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (200, 200), (0, 0, 200, 128)).save(out, format="PNG")
    return out.getvalue()


LANDLORD = {"name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
            "bank_bic": "044525225", "bank_name": "ПАО СБЕРБАНК",
            "bank_corr_account": "30101810400000000225", "bank_account": "40702810938000000001",
            "director_name": "Иванов И. И."}  # fmt: skip


def test_a_stamp_is_uploaded_with_the_landlord_and_a_false_picture_refused(world: World) -> None:
    portal = world.installed()
    token = _token(world)
    with world.container.uow(portal.id) as uow:
        landlord_id = save_landlord_form(uow, world.container.clock, read_form(LANDLORD))
        uow.commit()

    def save(stamp: bytes) -> Any:
        return world.web.post(
            f"/workspace/landlords/save?t={token}&LANG=ru",
            data={"t": token, "lang": "ru", "landlord": str(landlord_id), **LANDLORD,
                  "image_stamp": (io.BytesIO(stamp), "stamp.png")},
            content_type="multipart/form-data",
        )  # fmt: skip

    refused = save(b"GIF89a not really")
    assert refused.status_code == 422
    assert (
        _error(refused.get_data(as_text=True), "image_stamp") == "Это не изображение PNG или JPEG."
    )
    storage = world.container.document_storage()
    key = image_key(landlord_id, STAMP)
    assert not list(storage.stored(key.rsplit("/", 1)[0]))

    assert save(_png()).status_code == 200
    assert b"".join(storage.stream(key)) == _png()
    form = world.web.get(f"/workspace/landlords/form?t={token}&landlord={landlord_id}")
    assert "workspace/landlords/image" in form.get_data(as_text=True)
