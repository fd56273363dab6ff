"""A lease's settings changed from its card, on a real database: the next documents go to the
new recipients, by themselves or not, due by the new rule; the people picked from the CRM's
users; every change in the history with who made it; a bad value stores nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from backend.bootstrap import Container
from backend.domain.billing import DocumentKind
from backend.domain.parties import Person
from backend.services.billing import BillingPorts, run_portal
from backend.services.lease_actions import ActionInvalid
from backend.services.lease_settings import change_lease_settings, settings_values
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from crm_mappings.port import CrmUser
from tests import factories
from tests.fakes import FakeCrm
from tests.integration.services.test_lease_actions import lease

JAN_27 = date(2026, 1, 27)  # February's invoice is issued 5 days before February
__all__ = ["lease"]  # the fixture: a signed lease, auto-send off (the default)
USERS = [
    CrmUser("1", "Кузнецова Ольга", "boss@romashka.example"),
    CrmUser("7", "Сидоров Пётр", "manager@romashka.example"),
    CrmUser("12", "Белкина Анна", "anna@romashka.example"),
]


def _change(
    container: Container, at: tuple[int, int], users: list[CrmUser] | None = USERS, **new: str
) -> list[str]:
    portal_id, lease_id = at
    with container.uow(portal_id) as uow:
        form = {**settings_values(uow.leases.get(lease_id)), **new}
        changes = change_lease_settings(uow, container.clock, lease_id, form, users, "Иван Админов")
        uow.commit()
    return [c.name for c in changes]


def _ports(container: Container) -> BillingPorts:
    crm = FakeCrm()
    return replace(container.billing_ports(), crm_for=lambda portal_id: crm)


def _tenant_mail(container: Container, portal_id: int) -> list[tuple[str, ...]]:
    with container.uow() as uow:
        messages = uow.outbox.list(portal_id=portal_id)
    return [m.recipients for m in messages if m.kind == "tenant_documents"]


def test_the_next_invoice_goes_to_the_new_recipients_by_itself_due_by_the_new_rule(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    changed = _change(container, lease, auto_send="1", due_days="10",
                      tenant_emails="pay@vasilek.example;\n boss@vasilek.example")  # fmt: skip

    run_portal(_ports(container), portal_id, JAN_27)

    assert changed == ["auto_send", "tenant_emails", "due_rule"]
    with container.uow(portal_id) as uow:
        (invoice,) = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
        history = uow.audit.entries("lease", lease_id)
    assert invoice.due_on == date(2026, 2, 6)  # 10 days after 27.01, not 5
    assert _tenant_mail(container, portal_id) == [("pay@vasilek.example", "boss@vasilek.example")]
    entry = history[-1]
    assert (entry["action"], entry["actor"]) == ("lease.settings", "Иван Админов")
    assert entry["details"]["changes"] == [
        {"name": "auto_send", "from": "no", "to": "yes"},
        {"name": "tenant_emails", "from": "buh@vasilek.example, director@vasilek.example",
         "to": "pay@vasilek.example, boss@vasilek.example"},
        {"name": "due_rule", "from": "5 after_issue", "to": "10 after_issue"},
    ]  # fmt: skip


def test_auto_send_turned_off_mails_the_tenant_nothing(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, _lease_id = lease
    _change(container, lease, auto_send="1")
    _change(container, lease, auto_send="")

    run_portal(_ports(container), portal_id, JAN_27)

    assert _tenant_mail(container, portal_id) == []


def test_an_issue_rule_moves_the_planned_invoices_not_the_issued_ones(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    run_portal(_ports(container), portal_id, JAN_27)  # February's invoice, issued on 27.01
    _change(container, lease, issue_days="10", due_anchor="day_of_period", due_days="15")

    with container.uow(portal_id) as uow:
        (issued,) = uow.documents.for_lease(lease_id, DocumentKind.INVOICE)
        planned = uow.schedule.for_lease(lease_id)
    march = next(i for i in planned if i.kind is DocumentKind.INVOICE and i.period.start.month == 3)
    assert (issued.issued_on, issued.due_on) == (JAN_27, date(2026, 2, 1))
    assert (march.issue_on, march.due_on) == (date(2026, 2, 19), date(2026, 3, 15))


def test_people_are_picked_from_the_crm_users_and_the_accountant_hears_the_overdue_chain(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    changed = _change(container, lease, manager="12", supervisor="", accountant="1")
    ports = _ports(container)
    run_portal(ports, portal_id, JAN_27)
    run_portal(ports, portal_id, date(2026, 2, 8))  # a week overdue: every step of the chain

    with container.uow(portal_id) as uow:
        got = uow.leases.get(lease_id)
        messages = uow.outbox.list(portal_id=portal_id)
    assert changed == ["manager", "supervisor", "accountant"]
    assert (got.manager.crm_user_id, got.manager.email) == ("12", "anna@romashka.example")  # type: ignore[union-attr]
    assert got.supervisor is None
    assert got.accountant is not None
    assert got.accountant.name == "Кузнецова Ольга"
    overdue = sorted(m.recipients for m in messages if m.kind == "overdue")
    assert overdue == [("anna@romashka.example",), ("boss@romashka.example",)]


@pytest.mark.parametrize(
    ("typed", "problems"),
    [
        ({"tenant_emails": "buh@vasilek, ok@vasilek.example"}, {"tenant_emails": "email"}),
        ({"manager": "99"}, {"manager": "unknown_user"}),
        ({"due_days": "-3", "issue_days": "x"}, {"due_days": "negative", "issue_days": "whole"}),
        ({"due_anchor": "day_of_period", "due_days": "40"}, {"due_days": "whole"}),
        ({"issue_days": "²", "due_days": "+5"}, {"issue_days": "whole", "due_days": "whole"}),
        ({"auto_send": "1", "tenant_emails": " "}, {"tenant_emails": "no_recipients"}),
        ({"issue_anchor": "whenever"}, {"issue_anchor": "choice"}),
    ],
)
def test_a_bad_value_is_refused_per_field_and_nothing_is_stored(
    container: Container, lease: tuple[int, int], typed: dict[str, str],
    problems: dict[str, str],
) -> None:  # fmt: skip
    portal_id, lease_id = lease
    with container.uow(portal_id) as uow:
        before = uow.leases.get(lease_id)
    with pytest.raises(ActionInvalid) as refused:
        _change(container, lease, **{"auto_send": "1", **typed})

    assert {k: p.code for k, p in refused.value.problems.items()} == problems
    with container.uow(portal_id) as uow:
        after = uow.leases.get(lease_id)
        history = uow.audit.entries("lease", lease_id)
    assert after == before
    assert [e["action"] for e in history] == ["lease.registered"]


def test_without_the_crm_people_stay_as_they_are_and_cannot_be_changed(
    container: Container, lease: tuple[int, int]
) -> None:
    kept = _change(container, lease, users=None, due_days="7")
    with pytest.raises(ActionInvalid) as refused:
        _change(container, lease, users=None, manager="12")

    assert kept == ["due_rule"]
    assert {k: p.code for k, p in refused.value.problems.items()} == {"manager": "crm_unavailable"}


def test_the_same_settings_sent_again_change_nothing(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    assert _change(container, lease) == []
    with container.uow(portal_id) as uow:
        assert [e["action"] for e in uow.audit.entries("lease", lease_id)] == ["lease.registered"]


def test_the_same_crm_user_renamed_is_kept_up_to_date_but_is_no_change_of_the_lease(
    container: Container, lease: tuple[int, int]
) -> None:
    portal_id, lease_id = lease
    renamed = [replace(u, name="Пётр Сидоров", email="petr@romashka.example")
               if u.id == "7" else u for u in USERS]  # fmt: skip

    assert _change(container, lease, users=renamed) == []
    with container.uow(portal_id) as uow:
        manager = uow.leases.get(lease_id).manager
        history = uow.audit.entries("lease", lease_id)
    assert manager is not None
    assert (manager.name, manager.email) == ("Пётр Сидоров", "petr@romashka.example")
    assert [e["action"] for e in history] == ["lease.registered"]


def test_a_person_named_without_a_crm_user_stays_until_another_is_picked(
    container: Container,
) -> None:
    with container.uow() as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="s-2")
        uow.commit()
    assert portal.id is not None
    imported = factories.lease(manager=Person(name="Импортов Иван", email="ivan@romashka.example"))
    with container.uow(portal.id) as uow:
        lease_id = register_lease(uow, container.clock, imported).lease_id
        uow.commit()
    at = (portal.id, lease_id)

    assert _change(container, at, due_days="9") == ["due_rule"]
    kept = _manager(container, at)
    assert _change(container, at, manager="12") == ["manager"]

    assert kept == "Импортов Иван"
    assert _manager(container, at) == "Белкина Анна"


def _manager(container: Container, at: tuple[int, int]) -> str:
    with container.uow(at[0]) as uow:
        manager = uow.leases.get(at[1]).manager
    return manager.name if manager is not None else ""
