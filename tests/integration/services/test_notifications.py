"""Reminders and the overdue chain through the billing run: emails once, CRM task, stop on pay."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from backend.bootstrap import Container
from backend.domain.cabinet import TenantRef
from backend.domain.documents import InvoiceStatus
from backend.domain.lease import LeaseStatus
from backend.mail.smtp import SmtpMailer
from backend.services.billing import BillingPorts, run_portal
from backend.services.cabinet_auth import CabinetAuth, remember_language
from backend.services.leases import register_lease
from backend.services.outbox import deliver_due
from backend.services.portals import install_portal
from backend.services.workspace_settings import read_settings_form, save_settings, settings_form
from crm_mappings.port import Deal
from tests import factories
from tests.fakes import FakeCrm
from tests.smtp_sink import smtp_sink


def _world(container: Container) -> tuple[int, BillingPorts, FakeCrm]:
    with container.uow() as uow:
        portal = install_portal(
            uow, container.clock, kind="bitrix24", external_id="n-1",
            settings={"onec": {"accountant_email": "buh@romashka.example"}},
        )  # fmt: skip
        uow.commit()
    assert portal.id is not None
    with container.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, end=date(2026, 12, 31), reminder_days=30)
        register_lease(uow, container.clock, lease, crm_deal_id="42")
        uow.commit()
    crm = FakeCrm()
    crm.deals["42"] = Deal("42", "Офис 101", "0", "WON")
    ports = replace(container.billing_ports(), crm_for=lambda portal_id: crm)
    return portal.id, ports, crm


def _mail(container: Container, portal_id: int, kind: str) -> list[tuple[str, ...]]:
    with container.uow() as uow:
        return [m.recipients for m in uow.outbox.list(portal_id=portal_id) if m.kind == kind]


def test_the_overdue_chain_escalates_once_per_step_and_stops_when_paid(
    container: Container,
) -> None:
    portal_id, ports, crm = _world(container)
    run_portal(ports, portal_id, date(2026, 1, 27))  # February's invoice, due 01.02
    run_portal(ports, portal_id, date(2026, 2, 1))
    assert _mail(container, portal_id, "overdue") == []
    run_portal(ports, portal_id, date(2026, 2, 2))
    run_portal(ports, portal_id, date(2026, 2, 2))  # twice the same day: nobody told twice
    assert _mail(container, portal_id, "overdue") == [("manager@romashka.example",)]
    assert [(t.deal_id, t.responsible_user_id) for t in crm.tasks] == [("42", "7")]
    run_portal(ports, portal_id, date(2026, 2, 4))
    assert _mail(container, portal_id, "overdue")[-1] == ("boss@romashka.example",)
    with container.uow(portal_id) as uow:
        (invoice,) = [d for d in uow.documents.list() if d.number == "1"]
        uow.documents.save(replace(invoice, paid=invoice.total, status=InvoiceStatus.PAID))
        uow.commit()
    run_portal(ports, portal_id, date(2026, 2, 8))
    assert len(_mail(container, portal_id, "overdue")) == 2  # the accountant step never came
    assert len(crm.tasks) == 1


def test_the_accountant_is_told_after_seven_days(container: Container) -> None:
    portal_id, ports, _ = _world(container)
    run_portal(ports, portal_id, date(2026, 1, 27))
    run_portal(ports, portal_id, date(2026, 2, 8))  # a week of missed nights caught up at once
    assert sorted(_mail(container, portal_id, "overdue")) == [
        ("boss@romashka.example",),
        ("buh@romashka.example",),
        ("manager@romashka.example",),
    ]


def test_lease_end_is_announced_to_manager_and_tenant(container: Container) -> None:
    portal_id, ports, _ = _world(container)
    result = run_portal(ports, portal_id, date(2026, 12, 1))
    assert result.reminders >= 2
    assert sorted(_mail(container, portal_id, "lease_end")) == [
        ("buh@vasilek.example", "director@vasilek.example"),
        ("manager@romashka.example",),
    ]


def test_an_overdue_invoice_queues_its_deal_move_once(container: Container) -> None:
    from backend.services.crm_sync import save_mapping
    from crm_mappings.mapping import LeaseEvent, StageMapping

    portal_id, ports, _ = _world(container)
    with container.uow(portal_id) as uow:
        save_mapping(uow, container.clock, StageMapping("0", events={LeaseEvent.OVERDUE: "LATE"}))
        uow.commit()
    queued: list[tuple[int, int, str]] = []
    ports = replace(ports, queue_event=lambda *move: queued.append(move))
    run_portal(ports, portal_id, date(2026, 1, 27))  # February's invoice, due 01.02
    run_portal(ports, portal_id, date(2026, 2, 1))
    assert queued == []  # not late yet
    run_portal(ports, portal_id, date(2026, 2, 2))
    run_portal(ports, portal_id, date(2026, 2, 4))  # the supervisor's step: no second move
    with container.uow(portal_id) as uow:
        (invoice,) = [d for d in uow.documents.list() if d.number == "1"]
    assert queued == [(portal_id, invoice.id, "overdue")]


def test_an_event_no_pipeline_maps_is_not_recorded_or_queued(container: Container) -> None:
    portal_id, ports, _ = _world(container)  # no stage mapped to "overdue"
    queued: list[tuple[int, int, str]] = []
    ports = replace(ports, queue_event=lambda *move: queued.append(move))
    run_portal(ports, portal_id, date(2026, 1, 27))
    run_portal(ports, portal_id, date(2026, 2, 2))
    assert _mail(container, portal_id, "overdue") == [("manager@romashka.example",)]
    assert queued == []


def _messages(container: Container, portal_id: int, kind: str) -> list[object]:
    with container.uow() as uow:
        return [m for m in uow.outbox.list(portal_id=portal_id) if m.kind == kind]


def _world_with_penalty(container: Container) -> tuple[int, BillingPorts]:
    portal_id, ports, _ = _world(container)
    with container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
        uow.leases.save(replace(lease, penalty_rate_per_day=Decimal("0.1")))
        uow.commit()
    return portal_id, ports


def test_the_tenant_is_reminded_three_days_before_the_due_date_and_on_it(
    container: Container,
) -> None:
    portal_id, ports = _world_with_penalty(container)
    run_portal(ports, portal_id, date(2026, 1, 27))  # February's invoice, due 01.02
    assert _messages(container, portal_id, "payment_due") == []
    run_portal(ports, portal_id, date(2026, 1, 29))  # 3 days before
    run_portal(ports, portal_id, date(2026, 1, 29))  # twice the same day: once
    run_portal(ports, portal_id, date(2026, 2, 1))  # the due day
    sent = _messages(container, portal_id, "payment_due")
    assert [m.recipients for m in sent] == [  # type: ignore[attr-defined]
        ("buh@vasilek.example", "director@vasilek.example"),
    ] * 2
    first, second = sent
    assert "через 3 дн., 01.02.2026" in first.subject  # type: ignore[attr-defined]
    assert "сегодня, 01.02.2026" in second.subject  # type: ignore[attr-defined]
    assert "100\xa0000,00\xa0₽" in first.body_text  # type: ignore[attr-defined]
    assert "пени 0,1% в день" in first.body_text  # type: ignore[attr-defined]


def _tenant_reads(container: Container, portal_id: int, lang: str) -> None:
    """The lease's tenant has read their cabinet in ``lang``."""
    with container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
    assert lease.tenant.id is not None
    auth = CabinetAuth(container.uow, container.clock, b"p", str, lambda: None)  # type: ignore[arg-type]
    remember_language(auth, TenantRef(portal_id, lease.tenant.id), lang)


def test_a_tenant_who_reads_the_cabinet_in_english_is_reminded_in_english(
    container: Container,
) -> None:
    portal_id, ports = _world_with_penalty(container)
    _tenant_reads(container, portal_id, "en")
    run_portal(ports, portal_id, date(2026, 1, 27))
    run_portal(ports, portal_id, date(2026, 1, 29))
    (sent,) = _messages(container, portal_id, "payment_due")
    assert sent.subject == "Invoice No. 1 is due in 3 days, 01.02.2026"  # type: ignore[attr-defined]
    assert "A reminder: invoice No. 1 of 27.01.2026" in sent.body_text  # type: ignore[attr-defined]
    assert "a penalty of 0.1% a day accrues" in sent.body_text  # type: ignore[attr-defined]


def test_a_landlord_s_own_due_reminder_reaches_an_english_reading_tenant_as_written(
    container: Container,
) -> None:
    """The landlord's wording wins over the tenant's language: rentflow cannot translate it."""
    portal_id, ports = _world_with_penalty(container)
    with container.uow(portal_id) as uow:
        stored = settings_form(uow.portals.get(portal_id).settings).values
        form = read_settings_form({**stored, "due_mail_subject": "Счёт {invoice_number}: {when}"})
        save_settings(uow, container.clock, portal_id, form)
        uow.commit()
    _tenant_reads(container, portal_id, "en")
    run_portal(ports, portal_id, date(2026, 1, 27))
    run_portal(ports, portal_id, date(2026, 1, 29))
    (sent,) = _messages(container, portal_id, "payment_due")
    assert sent.subject == "Счёт 1: через 3 дн."  # type: ignore[attr-defined]
    assert "Напоминаем: счёт № 1 от 27.01.2026" in sent.body_text  # type: ignore[attr-defined]


def test_a_paid_invoice_gets_no_due_reminder(container: Container) -> None:
    portal_id, ports = _world_with_penalty(container)
    run_portal(ports, portal_id, date(2026, 1, 27))
    with container.uow(portal_id) as uow:
        (invoice,) = uow.documents.list()
        uow.documents.save(replace(invoice, paid=invoice.total, status=InvoiceStatus.PAID))
        uow.commit()
    run_portal(ports, portal_id, date(2026, 1, 29))
    assert _messages(container, portal_id, "payment_due") == []


def test_each_overdue_step_says_its_step_the_debt_the_penalty_and_what_comes_next(
    container: Container,
) -> None:
    portal_id, ports = _world_with_penalty(container)
    run_portal(ports, portal_id, date(2026, 1, 27))  # 100 000, due 01.02
    for day in (2, 4, 8):
        run_portal(ports, portal_id, date(2026, 2, day))
    manager, supervisor, accountant = (
        m.body_text  # type: ignore[attr-defined]
        for m in _messages(container, portal_id, "overdue")
    )
    # 100 000 x 0.1% = 100.00 a day: 1, 3 and 7 days late
    assert "Шаг 1 из 3" in manager
    assert "просрочка 1 дн." in manager
    assert "Задолженность по договору всего: 100\xa0000,00\xa0₽" in manager
    assert "Пени на 02.02.2026: 100,00\xa0₽" in manager
    assert "04.02.2026 сообщение уйдёт руководителю" in manager
    assert "Шаг 2 из 3" in supervisor
    assert "Пени на 04.02.2026: 300,00\xa0₽" in supervisor
    assert "08.02.2026 сообщение уйдёт бухгалтеру" in supervisor
    assert "Шаг 3 из 3" in accountant
    assert "Пени на 08.02.2026: 700,00\xa0₽" in accountant
    assert "последний шаг цепочки" in accountant
    assert len({manager, supervisor, accountant}) == 3


def test_a_lease_s_own_reminder_days_replace_the_portal_s(container: Container) -> None:
    portal_id, ports = _world_with_penalty(container)
    with container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
        uow.leases.save(replace(lease, due_reminder_days=(5,)))
        uow.commit()
    run_portal(ports, portal_id, date(2026, 1, 27))  # February's invoice, due 01.02
    for day in (date(2026, 1, 29), date(2026, 2, 1)):  # the portal's days: nothing now
        run_portal(ports, portal_id, day)
    sent = _messages(container, portal_id, "payment_due")
    # 5 days before 01.02 is 27.01, the day of issue: one reminder, nothing on the due day
    assert [m.subject for m in sent] == [  # type: ignore[attr-defined]
        "Срок оплаты счёта № 1 — через 5 дн., 01.02.2026"
    ]


def test_the_reminder_and_the_overdue_step_are_sent_in_the_landlord_s_wording(
    container: Container,
) -> None:
    portal_id, ports = _world_with_penalty(container)
    with container.uow(portal_id) as uow:
        stored = settings_form(uow.portals.get(portal_id).settings).values
        form = read_settings_form({
            **stored,
            "due_mail_subject": "Счёт {invoice_number}: оплата {when}",
            "due_mail_body": "{tenant}, просим оплатить {amount} до {due_date}.\n{penalty}",
            "overdue_mail_subject": "Долг по {lease_number}: {debt}",
            "overdue_mail_body": "Просрочка {days_late} дн. по счёту от {invoice_date}.",
        })  # fmt: skip
        save_settings(uow, container.clock, portal_id, form)
        uow.commit()
    run_portal(ports, portal_id, date(2026, 1, 27))  # February's invoice, due 01.02
    run_portal(ports, portal_id, date(2026, 1, 29))  # 3 days before
    run_portal(ports, portal_id, date(2026, 2, 2))  # a day late: the manager's step
    with smtp_sink() as (sink, port):
        deliver_due(
            container.uow, container.clock,
            SmtpMailer(f"smtp://127.0.0.1:{port}", "r@x.example"), container.document_storage(),
        )  # fmt: skip
    received = {str(m["Subject"]): m.get_content() for m in sink.messages}
    assert received["Счёт 1: оплата через 3 дн."] == (
        'ООО "Василёк", просим оплатить 100\xa0000,00\xa0₽ до 01.02.2026.\n'
        "После срока начисляются пени 0,1% в день.\n"
    )
    overdue = received["Долг по А-15/2026: 100\xa0000,00\xa0₽"]
    assert overdue.strip() == "Просрочка 1 дн. по счёту от 27.01.2026."


def test_the_due_reminder_names_the_account_the_lease_is_paid_to(container: Container) -> None:
    portal_id, ports = _world_with_penalty(container)
    with container.uow(portal_id) as uow:
        (lease,) = uow.leases.list()
        landlord = lease.landlord
        assert landlord.id is not None
        assert lease.id is not None
        settings = uow.parties.landlord_settings(landlord.id)
        two = replace(landlord, accounts=(landlord.bank, factories.ALFA))
        uow.parties.update_landlord(landlord.id, two, settings)
        uow.leases.set_bank_account(lease.id, uow.parties.landlord(landlord.id).accounts[1].id)
        uow.commit()
    run_portal(ports, portal_id, date(2026, 1, 27))
    run_portal(ports, portal_id, date(2026, 1, 29))
    (sent,) = _messages(container, portal_id, "payment_due")
    body = sent.body_text  # type: ignore[attr-defined]
    assert "40702810800000000001" in body
    assert 'АО "АЛЬФА-БАНК"' in body
    assert landlord.bank.account not in body
