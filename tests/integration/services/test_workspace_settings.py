"""The workspace's settings form: saved whole or not at all, each problem named per field,
the 1C password write-only (sealed, never shown, kept when left empty), and the tenant
email's template used by the billing run's email and previewed with a sample lease."""

from __future__ import annotations

import pytest

from backend.bootstrap import Container
from backend.services.mail_templates import (
    OVERDUE,
    PAYMENT_DUE,
    TENANT_DOCUMENTS,
    fill_template,
    template_problem,
)
from backend.services.notifications import chain_from_settings, due_leads_from_settings
from backend.services.portals import install_portal
from backend.services.workspace_settings import (
    SettingsInvalid,
    preview,
    read_settings_form,
    save_settings,
    settings_form,
)


@pytest.fixture
def portal_id(container: Container) -> int:
    with container.uow(None) as uow:
        portal = install_portal(uow, container.clock, kind="bitrix24", external_id="s-1")
        uow.commit()
    return portal.id or 0


def _stored(container: Container, portal_id: int) -> dict[str, str]:
    with container.uow(portal_id) as uow:
        return settings_form(uow.portals.get(portal_id).settings).values


def _save(
    container: Container, portal_id: int, changes: dict[str, str], password: str = ""
) -> None:
    form = read_settings_form({**_stored(container, portal_id), **changes})
    with container.uow(portal_id) as uow:
        save_settings(uow, container.clock, portal_id, form, password)
        uow.commit()


def test_settings_are_saved_and_read_back_by_the_services_that_use_them(
    container: Container, portal_id: int
) -> None:
    _save(container, portal_id, {
        "chain_days_0": "2", "chain_to_0": "manager", "chain_task_0": "1",
        "chain_days_1": "5", "chain_to_1": "accountant", "chain_task_1": "",
        "chain_days_2": "", "chain_to_2": "",
        "before_due": "5, 1, 0", "onec_odata_url": "http://1c.local/odata",
        "onec_user": "robot", "mail_subject": "Счета по {lease_number}",
    }, password="s3cret")  # fmt: skip

    with container.uow(portal_id) as uow:
        settings = uow.portals.get(portal_id).settings
    assert [(s.days_after_due, s.audience, s.crm_task) for s in chain_from_settings(settings)] == [
        (2, "manager", True), (5, "accountant", False),
    ]  # fmt: skip
    assert due_leads_from_settings(settings) == (5, 1, 0)
    assert "s3cret" not in repr(settings)  # sealed before it is written
    shown = settings_form(settings)
    assert shown.password_set
    assert "s3cret" not in repr(shown)
    assert shown.values["onec_odata_url"] == "http://1c.local/odata"

    _save(container, portal_id, {"onec_user": "robot2"})  # the password left empty: kept
    with container.uow(portal_id) as uow:
        assert settings_form(uow.portals.get(portal_id).settings).password_set


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"chain_days_0": "x"}, {"chain_days_0": "days_1_365"}),
        ({"chain_to_1": "director"}, {"chain_to_1": "choice"}),
        ({"chain_days_0": "9", "chain_days_1": "3"}, {"chain_days_0": "order"}),
        ({"before_due": "3, сегодня"}, {"before_due": "days_list"}),
        ({"billing_mode": "deal_per_period"}, {"billing_mode": "no_billing_pipeline"}),
        ({"mail_body": "Договор {lease.number}"}, {"mail_body": "placeholder"}),
        ({"mail_subject": "{"}, {"mail_subject": "braces"}),
        ({"due_mail_body": "К оплате {amount} до {due_date}}"}, {"due_mail_body": "braces"}),
        # a name of another email's: the reminder has no list of documents
        ({"due_mail_subject": "{document_list}"}, {"due_mail_subject": "placeholder"}),
        ({"overdue_mail_body": "{debt.__class__}"}, {"overdue_mail_body": "placeholder"}),
        ({"overdue_mail_subject": ""}, {"overdue_mail_subject": "missing"}),
        ({"onec_poll_days": "0"}, {"onec_poll_days": "days_1_366"}),
        ({"onec_odata_url": "ftp://x"}, {"onec_odata_url": "url"}),
        ({"onec_accountant_email": "buh@"}, {"onec_accountant_email": "email"}),
    ],
)
def test_a_wrong_value_is_named_and_nothing_is_saved(
    container: Container, portal_id: int, changes: dict[str, str], problems: dict[str, str]
) -> None:
    before = _stored(container, portal_id)
    with pytest.raises(SettingsInvalid) as raised:
        _save(container, portal_id, {"onec_user": "changed", **changes}, password="new")
    assert raised.value.form.problems == problems
    assert raised.value.form.values["onec_user"] == "changed"  # what was typed is kept
    assert _stored(container, portal_id) == before


def test_the_preview_fills_the_template_with_a_sample_lease() -> None:
    form = read_settings_form({"mail_subject": "Счета: {document_list}",
                               "mail_body": "{tenant}, документы по {lease_number}"})  # fmt: skip
    assert preview(form) == ("Счета: счёт № СЧ-2026-7", "ООО «Василёк», документы по А-15/2026")


def test_the_preview_writes_money_and_dates_as_the_sent_mail_does() -> None:
    defaults = settings_form({})
    _, documents = preview(defaults, TENANT_DOCUMENTS)
    assert (
        "Счёт на оплату № СЧ-2026-7 от 01.02.2026 за 01.02.2026–28.02.2026 на сумму"
        " 120\xa0000,00\xa0₽, оплатить до 10.02.2026" in documents
    )
    assert "RUB" not in documents
    subject, due = preview(defaults, PAYMENT_DUE)
    assert subject == "Срок оплаты счёта № СЧ-2026-7 — через 3 дн., 10.02.2026"
    assert "к оплате 120\xa0000,00\xa0₽, срок оплаты 10.02.2026" in due
    _, overdue = preview(defaults, OVERDUE)
    assert "Задолженность по договору всего: 240\xa0000,00\xa0₽." in overdue
    assert "Пени на 15.02.2026: 600,00\xa0₽" in overdue


def test_a_preview_of_a_broken_template_names_its_field() -> None:
    form = read_settings_form({**settings_form({}).values, "overdue_mail_body": "{step"})
    with pytest.raises(SettingsInvalid) as raised:
        preview(form, OVERDUE)
    assert raised.value.form.problems == {"overdue_mail_body": "braces"}
    assert raised.value.form.values["overdue_mail_body"] == "{step"  # kept as typed


def test_a_template_cannot_reach_beyond_its_placeholders() -> None:
    assert template_problem("{lease_number.__class__}") == "placeholder"
    assert template_problem("{lease_number!r}") == "placeholder"
    assert template_problem("{lease_number:>99999}") == "placeholder"
    assert fill_template("№ {lease_number}", {"lease_number": "А-1"}) == "№ А-1"
