"""The leases section of the workspace over HTTP, entered from the Bitrix24 app page of the
emulated portal: create a lease from a deal with the form (problems next to their fields,
what was typed kept, nothing stored), the deal's lease link, the card and its actions (a
manual invoice submitted twice is one invoice), and a manager who sees only their leases."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest

from backend.domain.billing import DocumentKind
from tests import factories
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture

ADMIN, MANAGER, OTHER = 1, 7, 9


def _token(world: World, user_id: int = ADMIN) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


@pytest.fixture
def ready(world: World) -> tuple[World, int, int]:
    """An installed portal with a landlord and a deal of a company with requisites."""
    portal = world.installed()
    with world.container.uow(portal.id) as uow:
        landlord = uow.parties.add_landlord(factories.landlord())
        uow.commit()
    deal = world.portal.add_deal({"title": "Аренда офиса 204", "companyId": 1,
                                  "assignedById": MANAGER})  # fmt: skip
    sent: list[tuple[str, tuple[Any, ...]]] = []
    world.container.task_sender = lambda name, *args: sent.append((name, args))
    assert portal.id is not None
    return world, landlord, int(deal["id"])


def _form(landlord: int, **changes: str) -> dict[str, str]:
    form = {
        "number": "А-7/2026", "signed_on": "2026-01-20", "start": "2026-02-01",
        "end": "2026-12-31", "landlord": str(landlord), "premises_code": "204", "area": "40",
        "rent_basis": "per_month", "rent": "100000", "vat": "22", "vat_included": "1",
        "billing_unit": "month", "billing_every": "1", "issue_anchor": "before_start",
        "issue_days": "5", "due_anchor": "after_issue", "due_days": "5", "auto_send": "1",
        "tenant_kind": "legal_entity", "tenant_name": 'ООО "Василёк"',
        "tenant_inn": "7728168971", "tenant_kpp": "772801001",
        "tenant_emails": "buh@vasilek.example", "manager": str(MANAGER), "supervisor": "9",
    }  # fmt: skip
    form.update(changes)
    return form


def _error(html: str, field: str) -> str:
    found = re.search(rf'<div class="error" id="e-{field}" role="alert">([^<]*)</div>', html)
    assert found is not None, field
    return found.group(1)


def _create(world: World, token: str, deal: int, form: dict[str, str], lang: str = "ru") -> Any:
    return world.web.post(
        f"/workspace/leases/new?deal={deal}&LANG={lang}", data={"t": token, "lang": lang, **form}
    )


def _lease_id(answer: Any) -> int:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    found = re.search(r"/workspace/leases/(\d+)\?", answer.headers["Location"])
    assert found is not None, answer.headers["Location"]
    return int(found.group(1))


def test_the_form_is_prefilled_from_the_deal_and_its_company(ready: tuple[World, int, int]) -> None:
    world, _landlord, deal = ready
    page = world.web.get(f"/workspace/leases/new?deal={deal}&LANG=ru&t={_token(world)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="ООО &#34;Василёк&#34;"' in html
    assert 'value="7728168971"' in html
    assert '<option value="7" selected>Михаил Менеджеров</option>' in html
    assert "ООО &#34;Ромашка&#34;" in html  # the landlord, by name


def test_a_wrong_value_is_refused_next_to_its_field_and_nothing_is_stored(
    ready: tuple[World, int, int],
) -> None:
    world, landlord, deal = ready
    token = _token(world)
    inline = world.web.post(
        "/workspace/leases/new/validate?LANG=en",
        data={"t": token, "lang": "en", **_form(landlord, tenant_inn="7728168972")},
    )
    answer = _create(world, token, deal, _form(landlord, end="2025-01-01", due_days="x"))
    html = answer.get_data(as_text=True)

    assert inline.get_json() == {
        "errors": {"tenant_inn": "The control digits do not match: check the number."}
    }
    assert answer.status_code == 422
    assert _error(html, "end") == "Не раньше даты начала."
    assert _error(html, "due_days") == "Целое число от 0–366."
    assert _error(html, "number") == ""
    assert 'value="2025-01-01"' in html  # what was typed is kept
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.leases.list() == []


def test_a_created_lease_links_the_deal_to_its_card_and_the_link_opens_it(
    ready: tuple[World, int, int],
) -> None:
    world, landlord, deal = ready
    lease_id = _lease_id(_create(world, _token(world), deal, _form(landlord)))

    link = world.portal.deals[deal]["UF_CRM_RENTFLOW_LEASE_URL"]
    assert link.endswith(f"/marketplace/view/{world.container.settings.bitrix24_client_id}/"
                         f"?params%5Blease%5D={lease_id}")  # fmt: skip
    assert unquote(link).endswith(f"?params[lease]={lease_id}")
    # following the link: the portal opens the app through REST_APP_URI with params[lease]
    options = f'{{"lease":"{lease_id}","URI":"/crm/deal/"}}'
    opened = world.open("/bitrix24/app", ADMIN, PLACEMENT="REST_APP_URI", PLACEMENT_OPTIONS=options)
    assert opened.status_code == 303
    assert f"/workspace/leases/{lease_id}?" in opened.headers["Location"]
    # a second submit of the same form makes no second lease: it lands on the first one
    again = _create(world, _token(world), deal, _form(landlord, number="А-8/2026"))
    assert _lease_id(again) == lease_id


def _invoice(world: World, token: str, lease_id: int, start: str, end: str) -> Any:
    """The card's "issue an invoice for a period", as the form sends it."""
    data = {"t": token, "lang": "en", "start": start, "end": end}
    return world.web.post(f"/workspace/leases/{lease_id}/invoice?LANG=en", data=data)


def _leased(ready: tuple[World, int, int]) -> tuple[World, str, int]:
    """The world, an administrator's token and a lease made with the form."""
    world, landlord, deal = ready
    token = _token(world)
    return world, token, _lease_id(_create(world, token, deal, _form(landlord)))


def test_the_card_issues_a_manual_invoice_once_however_often_it_is_sent(
    ready: tuple[World, int, int],
) -> None:
    world, token, lease_id = _leased(ready)

    first = _invoice(world, token, lease_id, "2026-02-01", "2026-02-14")
    second = _invoice(world, token, lease_id, "2026-02-01", "2026-02-14")
    card = world.web.get(first.headers["Location"])
    html = card.get_data(as_text=True)

    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        invoices = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    assert len(invoices) == 1
    assert "done=invoice_exists" in second.headers["Location"]
    told = world.web.get(second.headers["Location"]).get_data(as_text=True)
    assert f"Invoice № {invoices[0].number} was issued already; no second one." in told
    assert card.status_code == 200
    assert f"Invoice № {invoices[0].number} issued." in html
    assert "50,000.00" in html  # 14 of February's 28 days of 100,000.00 RUB
    assert "14/28 days of February 2026" in html
    assert 'class="pdf"' in html


def test_a_manager_sees_only_their_leases(ready: tuple[World, int, int]) -> None:
    world, landlord, deal = ready
    lease_id = _lease_id(_create(world, _token(world), deal, _form(landlord)))

    mine = world.web.get(f"/workspace/leases?LANG=en&t={_token(world, MANAGER)}")
    others = world.web.get(f"/workspace/leases?LANG=en&t={_token(world, OTHER)}")
    their_card = world.web.get(f"/workspace/leases/{lease_id}?LANG=en&t={_token(world, OTHER)}")

    assert "№ А-7/2026" in mine.get_data(as_text=True)
    assert "№ А-7/2026" not in others.get_data(as_text=True)
    assert their_card.status_code == 404


def test_cancelling_an_invoice_keeps_its_number_and_tells_the_deal(
    ready: tuple[World, int, int],
) -> None:
    world, token, lease_id = _leased(ready)
    _invoice(world, token, lease_id, "2026-02-01", "2026-02-28")
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        (invoice,) = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
    sent: list[tuple[Any, ...]] = []
    world.container.task_sender = lambda name, *args: sent.append((name, *args))

    cancelled = world.web.post(
        f"/workspace/leases/{lease_id}/cancel-invoice?LANG=ru",
        data={"t": token, "lang": "ru", "document": str(invoice.id)},
    )
    card = world.web.get(cancelled.headers["Location"]).get_data(as_text=True)

    assert cancelled.status_code == 303
    assert f"Invoice № {invoice.number} cancelled; its days are back in the schedule." in card
    assert [name for name, *_ in sent] == ["jobs.tasks.crm_payment_news"]
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.documents.get(invoice.id or 0).number == invoice.number
        assert uow.documents.get(invoice.id or 0).status == "cancelled"
