"""The lease card's actions over HTTP, as the card's forms post them: an addendum, an
indexation, terminating, cancelling, the original received and the documents sent again —
each changes what the card shows; a wrong value is answered next to its field in the
viewer's language with what was typed kept; another portal's lease and a manager's who is
not the lease's manager are refused with nothing changed. The card's penalty (пени) and
payments are written as the locale writes money."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from backend.domain.lease import LeaseStatus
from backend.services.lease_card import lease_card
from backend.services.leases import register_lease
from tests import factories
from tests.bulk_world import new_portal
from tests.payments_world import doc, make_invoice, statement_file
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture
ADMIN, MANAGER, OTHER = 1, 7, 9  # the lease's manager is the portal's user 7


def _token(world: World, user_id: int = ADMIN) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _lease(world: World, portal_id: int, deal: str = "42", **changes: Any) -> int:
    """A signed lease: 100 000 a month from 1 February to 31 December 2026, managed by 7."""
    lease = replace(factories.lease(**changes), status=changes.get("status", LeaseStatus.SIGNED))
    with world.container.uow(portal_id) as uow:
        lease_id = register_lease(uow, world.container.clock, lease, crm_deal_id=deal).lease_id
        uow.commit()
    return lease_id


@pytest.fixture
def signed(world: World) -> tuple[World, str, int]:
    """The world, an administrator's token and a signed lease of its portal."""
    portal = world.installed()
    world.container.task_sender = lambda name, *args: None
    return world, _token(world), _lease(world, portal.id or 0)


def _act(
    world: World, token: str, lease_id: int, action: str, lang: str = "en", **form: str
) -> Any:
    return world.web.post(f"/workspace/leases/{lease_id}/{action}?LANG={lang}",
                          data={"t": token, "lang": lang, **form})  # fmt: skip


def _followed(world: World, answer: Any) -> str:
    assert answer.status_code == 303, answer.get_data(as_text=True)[:400]
    page = world.web.get(answer.headers["Location"])
    assert page.status_code == 200
    return str(page.get_data(as_text=True))


def _error(html: str, form: str, field: str) -> str:
    found = re.search(rf'<div class="error" id="{form}-{field}-e" role="alert">([^<]*)</div>', html)
    assert found is not None, (form, field)
    return found.group(1).replace("\u202f", " ").replace("\u00a0", " ")


def _typed(html: str, form: str, field: str) -> str:
    found = re.search(rf'id="{form}-{field}" name="{field}" type="\w+" value="([^"]*)"', html)
    assert found is not None, (form, field)
    return found.group(1)


def _schedule(html: str) -> dict[str, str]:
    """The schedule's invoices: the period's start (as shown) -> its amount."""
    body = html.split('id="schedule"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in body.split("<tr")[1:]:
        cells = re.search(r"<td>([^<]+) — .*<td class=\"num\">([^<]+)</td>", row, re.S)
        if 'data-kind="invoice"' in row and cells:
            found[cells.group(1)] = cells.group(2).replace("\u00a0", " ")
    return found


def test_an_addendum_changes_the_rent_the_schedule_plans_from_its_day(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed
    before = _schedule(world.web.get(f"/workspace/leases/{lease_id}?LANG=en&t={token}")
                       .get_data(as_text=True))  # fmt: skip

    html = _followed(world, _act(world, token, lease_id, "addendum", number="ДС-1",
                                 effective_from="2026-06-01", rent="120 000"))  # fmt: skip

    after = _schedule(html)
    assert before["May 1, 2026"] == before["Jun 1, 2026"] == "100,000.00 RUB"
    assert after["May 1, 2026"] == "100,000.00 RUB"
    assert after["Jun 1, 2026"] == after["Dec 1, 2026"] == "120,000.00 RUB"
    assert "Addendum № ДС-1" in html


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Must not be before the lease starts (February 1, 2026)."),
     ("ru", "Не раньше начала договора (1 февраля 2026 г.).")],
)  # fmt: skip
def test_an_addendum_before_the_lease_starts_is_answered_in_one_language_by_its_field(
    signed: tuple[World, str, int], lang: str, said: str
) -> None:
    world, token, lease_id = signed

    answer = _act(world, token, lease_id, "addendum", lang, number="ДС-1",
                  effective_from="2026-01-01", rent="120000")  # fmt: skip

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert _error(html, "addendum", "effective_from") == said
    assert "is before the lease starts" not in html
    assert (_typed(html, "addendum", "number"), _typed(html, "addendum", "rent")) == (
        "ДС-1", "120000",
    )  # fmt: skip
    with world.container.uow(world.stored().id) as uow:  # type: ignore[union-attr]
        assert uow.leases.get(lease_id).addenda == []


def test_an_addendum_ending_before_it_takes_effect_is_answered_by_the_end_field(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed

    answer = _act(world, token, lease_id, "addendum", "ru", number="ДС-2",
                  effective_from="2026-06-01", end="2026-05-01")  # fmt: skip

    assert answer.status_code == 422
    assert _error(answer.get_data(as_text=True), "addendum", "end") == (
        "Не раньше вступления доп. соглашения в силу (1 июня 2026 г.)."
    )


def test_an_indexation_raises_the_rent_from_its_day_and_a_wrong_date_is_answered(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed

    wrong = _act(world, token, lease_id, "indexation", percent="5", first_on="2026-02-01")
    html = _followed(world, _act(world, token, lease_id, "indexation", percent="5",
                                 first_on="2026-07-01"))  # fmt: skip

    assert wrong.status_code == 422
    assert _error(wrong.get_data(as_text=True), "indexation", "first_on") == (
        "Must be after the lease starts."
    )
    assert _typed(wrong.get_data(as_text=True), "indexation", "percent") == "5"
    assert "Indexation saved; the schedule is re-planned." in html
    after = _schedule(html)
    assert after["Jun 1, 2026"] == "100,000.00 RUB"
    assert after["Jul 1, 2026"] == "105,000.00 RUB"


def test_terminating_from_a_day_cuts_the_schedule_there_and_a_day_before_the_start_is_refused(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed

    early = _act(world, token, lease_id, "terminate", "ru", last_day="2026-01-15")
    html = _followed(world, _act(world, token, lease_id, "terminate", last_day="2026-08-31"))

    assert early.status_code == 422
    assert _error(early.get_data(as_text=True), "terminate", "last_day") == (
        "Позже начала договора."
    )
    assert _typed(early.get_data(as_text=True), "terminate", "last_day") == "2026-01-15"
    assert "Lease terminated." in html
    assert '<span class="status status-terminated" id="lease-status">Terminated</span>' in html
    assert "Feb 1, 2026 — Aug 31, 2026</div>" in html  # the term, cut at its last day
    assert _schedule(html) == {}  # a terminated lease plans nothing more
    # the termination is a kind and a date, named in the viewer's language (not "расторжение")
    assert "<th>Termination</th><td>the last day is Aug 31, 2026</td>" in html
    assert "Termination, from Aug 31, 2026" in html  # the history
    assert "расторжение" not in html


def test_a_signed_lease_cannot_be_cancelled_and_a_draft_one_can(world: World) -> None:
    portal = world.installed()
    token = _token(world)
    signed = _lease(world, portal.id or 0)
    draft = _lease(world, portal.id or 0, "43", number="А-16/2026", status=LeaseStatus.DRAFT)

    refused = _act(world, token, signed, "cancel")
    html = _followed(world, _act(world, token, draft, "cancel"))

    assert refused.status_code == 422
    assert "Not possible for a lease in this status." in refused.get_data(as_text=True)
    assert "Lease cancelled." in html
    assert 'id="lease-status">Cancelled</span>' in html
    with world.container.uow(portal.id) as uow:
        assert uow.leases.get(signed).status == LeaseStatus.SIGNED


def test_the_original_received_is_marked_once_and_its_button_goes(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed
    card = world.web.get(f"/workspace/leases/{lease_id}?LANG=en&t={token}").get_data(as_text=True)

    html = _followed(world, _act(world, token, lease_id, "original"))

    assert "Signed original received</button>" in card
    assert "Signed original of the lease received." in html
    assert "Signed original received</button>" not in html
    assert "Signed original received</td>" in html  # the history says it


def test_sending_the_documents_again_says_there_is_nothing_before_an_invoice(
    signed: tuple[World, str, int],
) -> None:
    world, token, lease_id = signed

    html = _followed(world, _act(world, token, lease_id, "resend"))

    assert "Nothing to send: no documents issued, no tenant addresses, or sent today." in html


ACTIONS = [
    ("addendum", {"number": "ДС-9", "effective_from": "2026-06-01", "rent": "1"}),
    ("indexation", {"percent": "50", "first_on": "2026-07-01"}),
    ("terminate", {"last_day": "2026-03-31"}),
    ("cancel", {}),
    ("original", {}),
    ("resend", {}),
]


@pytest.mark.parametrize(("action", "form"), ACTIONS)
def test_another_portals_lease_is_not_found_and_stays_as_it_was(
    signed: tuple[World, str, int], action: str, form: dict[str, str]
) -> None:
    world, token, _mine = signed
    theirs_portal = new_portal(world.container, "other-portal")
    theirs = _lease(world, theirs_portal, status=LeaseStatus.DRAFT)
    with world.container.uow(theirs_portal) as uow:
        before = (uow.leases.get(theirs), len(uow.audit.entries("lease", theirs)))

    answer = _act(world, token, theirs, action, **form)

    assert answer.status_code == 404
    assert "No such lease, or it is not one of yours." in answer.get_data(as_text=True)
    with world.container.uow(theirs_portal) as uow:
        assert (uow.leases.get(theirs), len(uow.audit.entries("lease", theirs))) == before


@pytest.mark.parametrize(("action", "form"), ACTIONS)
def test_a_manager_who_is_not_the_leases_manager_is_refused(
    signed: tuple[World, str, int], action: str, form: dict[str, str]
) -> None:
    world, _token_admin, lease_id = signed
    portal_id = world.stored().id  # type: ignore[union-attr]
    with world.container.uow(portal_id) as uow:
        before = (uow.leases.get(lease_id), len(uow.audit.entries("lease", lease_id)))

    answer = _act(world, _token(world, OTHER), lease_id, action, **form)

    assert answer.status_code == 404
    with world.container.uow(portal_id) as uow:
        assert (uow.leases.get(lease_id), len(uow.audit.entries("lease", lease_id))) == before


def test_the_leases_own_manager_may_change_it(signed: tuple[World, str, int]) -> None:
    world, _admin, lease_id = signed

    manager = _token(world, MANAGER)
    html = _followed(world, _act(world, manager, lease_id, "addendum", number="ДС-3",
                                 effective_from="2026-10-01", rent="90000"))  # fmt: skip

    assert _schedule(html)["Oct 1, 2026"] == "90,000.00 RUB"


@pytest.mark.parametrize(
    ("lang", "penalty", "paid", "debt"),
    [("en", "680.00 RUB", "40,000.00 RUB", "60,000.00 RUB"),
     ("ru", "680,00 ₽", "40 000,00 ₽", "60 000,00 ₽")],
)  # fmt: skip
def test_the_card_shows_the_penalty_and_the_payments_as_the_locale_writes_money(
    world: World, lang: str, penalty: str, paid: str, debt: str
) -> None:
    """100 000 due 10 February, 40 000 paid on the 12th, 0.1 % a day: 2 days of 100 000
    and 8 days of 60 000 up to the 20th are 680 000 x 0.1 % = 680.00."""
    portal = world.installed()
    world.container.task_sender = lambda name, *args: None
    lease_id = _lease(world, portal.id or 0, penalty_rate_per_day=Decimal("0.1"))
    with world.container.uow(portal.id) as uow:
        uow.documents.add(make_invoice(lease_id, "БП-000101", 2, "100000.00"))
        uow.commit()
    token = _token(world)
    statement = statement_file(docs=[doc("11", "40000.00", "Оплата по сч. БП-000101",
                                         on=date(2026, 2, 12))])  # fmt: skip
    uploaded = world.web.post(
        f"/workspace/payments/statement?t={token}&LANG=en",
        data={"t": token, "lang": "en", "file": (io.BytesIO(statement), "kl_to_1c.txt")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200
    world.container.clock.set(datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    html = world.web.get(f"/workspace/leases/{lease_id}?LANG={lang}&t={_token(world)}").get_data(
        as_text=True
    )

    text = html.replace("\u00a0", " ").replace("\u202f", " ")
    assert re.search(rf'id="penalty">{re.escape(penalty)}</div>', text)
    assert re.search(rf'id="debt">{re.escape(debt)}</div>', text)
    payments = text.split('id="payments"', 1)[1].split("</table>", 1)[0]
    assert "№ 11" in payments
    assert "№ БП-000101" in payments
    assert f'<td class="num">{paid}</td>' in payments


def test_a_rule_that_flags_several_items_is_one_line_with_their_count(world: World) -> None:
    """Months of planned invoices never issued read as one 'Invoice not issued: N', where
    the card listed the same line N times."""
    portal = world.installed()
    world.container.task_sender = lambda name, *args: None
    lease_id = _lease(world, portal.id or 0)
    world.container.clock.set(datetime(2026, 5, 20, 9, 0, tzinfo=UTC))  # type: ignore[attr-defined]
    with world.container.uow(portal.id) as uow:
        card = lease_card(uow, lease_id, world.container.clock.today(), str)
    unissued = sum(1 for rule, _ in card.attention if rule == "invoice_not_issued")
    assert unissued >= 2  # February to May, none issued

    html = world.web.get(f"/workspace/leases/{lease_id}?LANG=en&t={_token(world)}").get_data(
        as_text=True
    )

    flags = re.findall(r'<li class="flag" data-rule="invoice_not_issued">([^<]*)</li>', html)
    assert flags == [f"Invoice not issued: {unissued}"]
