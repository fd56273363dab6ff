"""The lease card's settings (auto-send, recipients, people from the CRM's users, the issue and
due rules) over HTTP, on the emulated Bitrix24 portal: saved and shown on the card and in its
history; a bad value answered next to its field with what was typed kept and nothing stored;
another portal's lease, or a lease handed to another manager, is not there to change."""

from __future__ import annotations

import re
from typing import Any

from backend.domain.lease import LeaseStatus
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories
from tests.integration.web.test_workspace_leases import (
    ADMIN,
    MANAGER,
    OTHER,
    _create,
    _form,
    _lease_id,
    _token,
    ready,
)
from tests.security.bitrix24_world import World, world

__all__ = ["ready", "world"]  # the fixtures


def _leased(ready: tuple[World, int, int]) -> tuple[World, int]:
    world, landlord, deal = ready
    return world, _lease_id(_create(world, _token(world), deal, _form(landlord)))


def _settings(**changes: str) -> dict[str, str]:
    form = {
        "auto_send": "1", "tenant_emails": "buh@vasilek.example", "manager": str(MANAGER),
        "supervisor": "9", "accountant": "", "issue_anchor": "before_start", "issue_days": "5",
        "due_anchor": "after_issue", "due_days": "5",
    }  # fmt: skip
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _save(world: World, lease_id: int, form: dict[str, str], user: int = ADMIN,
          lang: str = "en") -> Any:  # fmt: skip
    token = _token(world, user)  # the emulated portal opens the app in English
    return world.web.post(f"/workspace/leases/{lease_id}/settings?LANG={lang}",
                          data={"t": token, "lang": lang, **form})  # fmt: skip


def _error(html: str, field: str) -> str:
    found = re.search(
        rf'<div class="error" id="settings-{field}-e" role="alert">([^<]*)</div>', html
    )
    assert found is not None, field
    return found.group(1)


def _history(world: World, lease_id: int) -> list[dict[str, Any]]:
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        return uow.audit.entries("lease", lease_id)


def test_changed_settings_show_on_the_card_and_in_its_history(
    ready: tuple[World, int, int],
) -> None:
    world, lease_id = _leased(ready)
    form = _settings(auto_send="", tenant_emails="pay@vasilek.example, boss@vasilek.example",
                     accountant=str(OTHER), due_days="10")  # fmt: skip

    saved = _save(world, lease_id, form)
    html = world.web.get(saved.headers["Location"]).get_data(as_text=True)

    assert saved.status_code == 303
    assert "Lease settings saved; they apply to documents issued from now on." in html
    assert re.search(r'id="recipients">pay@vasilek.example, boss@vasilek.example<', html)
    assert re.search(r'id="auto-send">no<', html)
    assert re.search(r'id="accountant">Ольга Руководитель<', html)
    assert "Lease settings changed" in html
    assert "recipients: buh@vasilek.example → pay@vasilek.example, boss@vasilek.example" in html
    assert "sent automatically: yes → no" in html
    assert "payment due: 5 days after the invoice date → 10 days after the invoice date" in html
    assert "accountant: — → Ольга Руководитель" in html
    assert _history(world, lease_id)[-1]["actor"] == "Анна Админова"


def test_a_bad_value_is_answered_next_to_its_field_typed_values_kept_nothing_stored(
    ready: tuple[World, int, int],
) -> None:
    world, lease_id = _leased(ready)
    before = _history(world, lease_id)
    form = _settings(tenant_emails="pay@vasilek", manager="999", due_days="-2", issue_days="5")

    answer = _save(world, lease_id, form)
    html = answer.get_data(as_text=True)

    assert answer.status_code == 422
    assert _error(html, "tenant_emails") == "Not an e-mail address."
    assert _error(html, "manager") == "No such user in the CRM: pick one of the list."
    assert _error(html, "due_days") == "Must not be negative."
    assert _error(html, "issue_days") == ""
    assert ">pay@vasilek</textarea>" in html  # what was typed is kept
    assert re.search(r'name="due_days" [^>]*aria-invalid="true"[^>]* value="-2"', html)
    assert _history(world, lease_id) == before
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        lease = uow.leases.get(lease_id)
    assert lease.tenant.emails == ("buh@vasilek.example",)
    assert lease.due_rule.days == 5


def test_another_portals_lease_is_not_found_and_stays_as_it_was(
    ready: tuple[World, int, int],
) -> None:
    world, _landlord, _deal = ready
    c = world.container
    with c.uow() as uow:
        other = install_portal(uow, c.clock, kind="bitrix24", external_id="elsewhere")
        uow.commit()
    with c.uow(other.id) as uow:
        made = factories.lease(status=LeaseStatus.SIGNED)
        lease_id = register_lease(uow, c.clock, made).lease_id
        uow.commit()

    answer = _save(world, lease_id, _settings(tenant_emails="thief@example.com"))

    assert answer.status_code == 404
    with c.uow(other.id) as uow:
        assert uow.leases.get(lease_id).tenant.emails == made.tenant.emails
        assert [e["action"] for e in uow.audit.entries("lease", lease_id)] == ["lease.registered"]


def test_a_lease_handed_to_another_manager_is_in_their_list_and_gone_from_the_first(
    ready: tuple[World, int, int],
) -> None:
    world, lease_id = _leased(ready)

    own = _save(world, lease_id, _settings(manager=str(OTHER)), user=MANAGER)
    again = _save(world, lease_id, _settings(manager=str(MANAGER)), user=MANAGER)
    theirs = world.web.get(f"/workspace/leases?LANG=en&t={_token(world, OTHER)}")
    mine = world.web.get(f"/workspace/leases?LANG=en&t={_token(world, MANAGER)}")

    assert own.status_code == 303  # the lease's own manager may change it...
    assert "/workspace/leases?" in own.headers["Location"]  # ...and no longer sees its card
    assert again.status_code == 404
    assert "№ А-7/2026" in theirs.get_data(as_text=True)
    assert "№ А-7/2026" not in mine.get_data(as_text=True)


def test_the_lease_form_picks_an_accountant_from_the_crm_users_or_keeps_the_landlords(
    ready: tuple[World, int, int],
) -> None:
    world, landlord, deal = ready
    page = world.web.get(f"/workspace/leases/new?deal={deal}&LANG=en&t={_token(world)}")
    refused = _create(world, _token(world), deal, _form(landlord, accountant="999"), lang="en")
    lease_id = _lease_id(_create(world, _token(world), deal, _form(landlord, accountant="9")))
    second = world.portal.add_deal({"title": "Склад", "companyId": 1, "assignedById": MANAGER})
    plain = _lease_id(_create(world, _token(world), int(second["id"]),
                              _form(landlord, number="А-8/2026")))  # fmt: skip
    card = world.web.get(f"/workspace/leases/{plain}?LANG=en&t={_token(world)}")

    assert '<option value="">The landlord\'s accountant</option>' in page.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="e-accountant" role="alert">Choose one of the list.<',
                     refused.get_data(as_text=True))  # fmt: skip
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        chosen, fallback = uow.leases.get(lease_id), uow.leases.get(plain)
    assert chosen.accountant is not None
    assert (chosen.accountant.name, chosen.accountant.email) == (
        "Ольга Руководитель",
        "boss@portal.example",
    )
    assert fallback.accountant is None
    assert re.search(r'id="accountant">[^<]+ <span class="muted">\(the landlord.s\)',
                     card.get_data(as_text=True))  # fmt: skip


def test_the_inline_check_answers_per_field_and_only_for_a_lease_the_viewer_sees(
    ready: tuple[World, int, int],
) -> None:
    world, lease_id = _leased(ready)
    form = {"t": _token(world), "lang": "en", **_settings(tenant_emails="a@b", due_days="x")}

    mine = world.web.post(f"/workspace/leases/{lease_id}/settings/validate?LANG=en", data=form)
    other = world.web.post(f"/workspace/leases/{lease_id}/settings/validate?LANG=en",
                           data={**form, "t": _token(world, OTHER)})  # fmt: skip

    assert mine.get_json() == {"errors": {
        "tenant_emails": "Not an e-mail address.", "due_days": "A whole number from 0–366.",
    }}  # fmt: skip
    assert other.status_code == 404


def test_a_charge_is_invoiced_from_the_card_and_a_bad_one_answered_next_to_its_field(
    ready: tuple[World, int, int],
) -> None:
    world, lease_id = _leased(ready)
    token = _token(world)
    form = {"t": token, "lang": "en", "purpose": "utilities", "description": "",
            "amount": "12200", "start": "2026-02-01", "end": "2026-02-28"}  # fmt: skip
    sent: list[tuple[Any, ...]] = []
    world.container.task_sender = lambda name, *args: sent.append((name, *args))

    bad = world.web.post(f"/workspace/leases/{lease_id}/charge?LANG=en",
                         data={**form, "amount": "0"})  # fmt: skip
    issued = world.web.post(f"/workspace/leases/{lease_id}/charge?LANG=en", data=form)
    card = world.web.get(issued.headers["Location"]).get_data(as_text=True)

    assert bad.status_code == 422
    assert re.search(r'id="charge-amount-e" role="alert">Must be above zero.<',
                     bad.get_data(as_text=True))  # fmt: skip
    assert issued.status_code == 303
    assert re.search(r"Invoice № \S+ issued\.", card)
    assert "Invoice (utilities)" in card
    assert "12,200.00" in card
    assert [name for name, *_ in sent] == ["jobs.tasks.crm_document_issued"]  # the deal hears
