"""Header injection: a CR/LF in a tenant e-mail, a landlord e-mail or a landlord name must
never reach a mail header. Refused where entered (lease JSON, both CRMs' lease forms through
``register_lease``, landlord settings), and by ``mime.compose`` for anything already stored."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from typing import Any

import pytest

from backend.bootstrap import Container
from backend.demo.tenants import PAYERS, lease_json
from backend.domain.errors import InvalidLease, InvalidRequisites
from backend.domain.messages import OutboxMessage
from backend.mail.mime import compose
from backend.ports import MailError
from backend.services.lease_json import parse_lease
from backend.services.leases import register_lease
from backend.services.portal_settings import (
    InvalidSettings,
    landlord_json,
    save_landlord,
    save_onec_settings,
)
from backend.services.portals import install_portal
from tests import factories

INJECTED = "tenant@example.ru\r\nBcc: spy@evil.example"
BARE_LF = "tenant@example.ru\nBcc: spy@evil.example"


def _message(**changes: object) -> OutboxMessage:
    message = OutboxMessage(
        dedup_key="k1",
        recipients=("tenant@example.ru",),
        subject="Счёт № С-1",
        body_text="Добрый день",
        kind="tenant_documents",
        sender_name="ООО Ромашка",
        reply_to="landlord@example.ru",
    )
    return replace(message, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "header"),
    [
        ({"recipients": (INJECTED,)}, "To"),
        ({"recipients": ("ok@example.ru", BARE_LF)}, "To"),
        ({"reply_to": INJECTED}, "Reply-To"),
        ({"sender_name": "Ромашка\r\nBcc: spy@evil.example"}, "From"),
        ({"sender_name": "Romashka\nBcc: spy@evil.example"}, "From"),
        ({"subject": "Invoice\r\n\r\nfake body"}, "Subject"),
    ],
)
def test_compose_refuses_a_line_break_in_any_header(change: dict[str, object], header: str) -> None:
    with pytest.raises(MailError, match=f"^{header}: a line break") as caught:
        compose(_message(**change), [], "robot@rentflow.local")
    assert caught.value.permanent


def test_a_sound_message_has_exactly_its_own_headers() -> None:
    raw = compose(_message(), [], "robot@rentflow.local")
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["To"] == "tenant@example.ru"
    assert parsed["Bcc"] is None
    assert str(parsed["From"]) == "Robot ООО Ромашка <robot@rentflow.local>"


def _lease_json() -> dict[str, Any]:
    data = lease_json(PAYERS[0], "А-1", date(2026, 1, 1), {"name": "M", "email": "m@example.ru"})
    return copy.deepcopy(data)  # the demo's landlord dict is shared


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("tenant", "emails"), [INJECTED], "tenant.emails[0]"),
        (("tenant", "emails"), ["ok@example.ru", "a@b.ru, spy@evil.example"], "tenant.emails[1]"),
        (("landlord", "email"), BARE_LF, "landlord.email"),
        (("landlord", "name"), "ООО Ромашка\r\nBcc: spy@evil.example", "landlord.name"),
        (("number",), "А-1\r\nBcc: spy@evil.example", "number"),
    ],
)
def test_the_lease_json_names_the_bad_field(
    path: tuple[str, ...], value: object, field: str
) -> None:
    data = _lease_json()
    parse_lease(_lease_json())  # sound as it is
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidLease) as caught:
        parse_lease(data)
    assert caught.value.field == field


def test_a_lease_form_through_register_lease_stores_nothing(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="p1")
        uow.commit()
    lease = factories.lease()
    bad = replace(lease, tenant=replace(lease.tenant, emails=(INJECTED,)))
    with container.uow(portal.id) as uow:
        with pytest.raises(InvalidLease) as caught:
            register_lease(uow, container.clock, bad)
        uow.commit()
    assert caught.value.field == "tenant.emails[0]"
    with container.uow(portal.id) as uow:
        assert uow.leases.list() == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("email", INJECTED), ("name", "ООО Ромашка\nBcc: spy@evil.example"), ("email", "not-mail")],
)
def test_landlord_settings_refuse_a_bad_address_or_name(
    container: Container, key: str, value: str
) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="a1")
        uow.commit()
    body = landlord_json(factories.landlord(), {})
    body["landlord"][key] = value
    with container.uow(portal.id) as uow, pytest.raises(InvalidRequisites) as caught:
        save_landlord(uow, container.clock, body)
    assert caught.value.field == f"landlord.{key}"
    with container.uow(portal.id) as uow:
        assert uow.parties.landlords() == []


def test_the_accountants_address_in_the_1c_settings_is_checked(container: Container) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="amocrm", external_id="a2")
        uow.commit()
    assert portal.id is not None
    with container.uow() as uow, pytest.raises(InvalidSettings) as caught:
        save_onec_settings(uow, container.clock, portal.id, {"accountant_email": INJECTED})
    assert caught.value.field == "accountant_email"
    with container.uow() as uow:
        assert "onec" not in uow.portals.get(portal.id).settings
