"""The CrmPort adapter and the install setup against the emulated portal."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm_mappings.bitrix24.adapter import FIELD_NAMES, Bitrix24Adapter
from crm_mappings.bitrix24.client import Bitrix24Client
from crm_mappings.bitrix24.setup import HandlerUrls, setup_portal
from crm_mappings.port import (
    CrmError,
    CrmNotFound,
    CrmTask,
    CrmTaskStatus,
    CrmUnavailable,
    DealComment,
    DealUpdate,
    LeaseField,
    NewDeal,
    StageSemantics,
)
from sandbox.bitrix24.state import PortalState

URLS = HandlerUrls(
    events="https://rentflow.example/bitrix24/events",
    deal_tab="https://rentflow.example/bitrix24/deal-tab",
    robots="https://rentflow.example/bitrix24/robots",
)


@pytest.fixture
def adapter(client: Bitrix24Client) -> Bitrix24Adapter:
    return Bitrix24Adapter(client)


def test_pipelines_come_with_their_stages_in_order_and_semantics(
    adapter: Bitrix24Adapter, client: Bitrix24Client
) -> None:
    pipelines = adapter.list_pipelines()

    assert [(p.id, p.name, p.is_default) for p in pipelines] == [
        ("0", "Аренда", True),
        ("1", "Счета аренды", False),
    ]
    lease = pipelines[0]
    assert lease.stages[0].id == "NEW"
    assert lease.stages[-1].semantics is StageSemantics.FAILURE
    assert pipelines[1].stages[0].id == "C1:NEW"
    assert client.calls == 2  # the categories, then every pipeline's stages in one batch


def test_a_deal_reads_with_rentflow_fields(adapter: Bitrix24Adapter, portal: PortalState) -> None:
    setup_portal(adapter.client, URLS)
    deal = portal.add_deal(
        {"title": "Аренда офиса 101", "assignedById": 7, FIELD_NAMES[LeaseField.DEBT]: "1500.5"}
    )

    read = adapter.get_deal(str(deal["id"]))

    assert (read.title, read.pipeline_id, read.stage_id) == ("Аренда офиса 101", "0", "NEW")
    assert read.responsible_user_id == "7"
    assert read.fields[LeaseField.DEBT] == "1500.5"


def test_a_missing_deal_raises_not_found(adapter: Bitrix24Adapter) -> None:
    with pytest.raises(CrmNotFound):
        adapter.get_deal("404")


def test_updates_are_written_in_batches_of_50(
    adapter: Bitrix24Adapter, client: Bitrix24Client, portal: PortalState
) -> None:
    setup_portal(client, URLS)
    ids = [portal.add_deal({})["id"] for _ in range(120)]
    calls_before = client.calls

    adapter.update_deals(
        [
            DealUpdate(str(i), stage_id="PREPARATION", fields={LeaseField.INVOICE_ID: f"С-{i}"})
            for i in ids
        ]
    )

    assert client.calls - calls_before == 3
    assert {portal.deals[i]["stageId"] for i in ids} == {"PREPARATION"}
    assert portal.deals[ids[-1]]["UF_CRM_RENTFLOW_INVOICE_ID"] == f"С-{ids[-1]}"


def test_comments_tasks_and_new_deals_land_on_the_portal(
    adapter: Bitrix24Adapter, portal: PortalState
) -> None:
    deal_id = str(portal.add_deal({})["id"])

    adapter.add_comments([DealComment(deal_id, "rentflow: счёт С-1 выставлен")])
    adapter.add_tasks(
        [CrmTask(deal_id, "7", "Проверить оплату", "Счёт С-1", datetime(2026, 2, 10, tzinfo=UTC))]
    )
    new_id = adapter.create_deal(NewDeal("Счёт за февраль", pipeline_id="1", stage_id="C1:NEW"))

    assert portal.comments[0]["COMMENT"] == "rentflow: счёт С-1 выставлен"
    assert portal.comments[0]["ENTITY_ID"] == deal_id
    assert portal.tasks[0]["UF_CRM_TASK"] == [f"D_{deal_id}"]
    assert portal.deals[int(new_id)]["stageId"] == "C1:NEW"


def test_setup_binds_everything_once_and_reinstall_adds_nothing(
    client: Bitrix24Client, portal: PortalState
) -> None:
    first = setup_portal(client, URLS)
    second = setup_portal(client, URLS)

    assert first == {"e": 6, "tab": 1, "f": 9, "r": 4}
    assert second == {"e": 0, "tab": 0, "f": 0, "r": 0}
    assert sorted(e["event"] for e in portal.events) == [
        "ONAPPUNINSTALL", "ONAPPUPDATE", "ONCRMDEALADD", "ONCRMDEALDELETE", "ONCRMDEALUPDATE",
        "ONTASKUPDATE",
    ]  # fmt: skip
    assert [p["placement"] for p in portal.placements] == ["CRM_DEAL_DETAIL_TAB"]
    assert len(portal.userfields) == 9
    assert len(portal.robots) == 4


def test_robots_are_offered_for_deals_only(client: Bitrix24Client, portal: PortalState) -> None:
    setup_portal(client, URLS)

    assert {code: robot["FILTER"] for code, robot in portal.robots.items()} == {
        code: {"INCLUDE": [["crm", "CCrmDocumentDeal"]]} for code in portal.robots
    }


def test_changed_deals_lists_the_deals_updated_since_oldest_first(
    adapter: Bitrix24Adapter, portal: PortalState
) -> None:
    old = portal.add_deal({"title": "old", "updatedTime": "2026-01-01T10:00:00+03:00"})
    later = portal.add_deal({"title": "later", "updatedTime": "2026-02-01T13:00:00+03:00"})
    first = portal.add_deal({"title": "first", "updatedTime": "2026-02-01T09:00:00+00:00"})

    changed = adapter.changed_deals(datetime(2026, 2, 1, 8, 0, tzinfo=UTC))

    assert [deal for deal, _ in changed] == [str(first["id"]), str(later["id"])]
    assert str(old["id"]) not in {deal for deal, _ in changed}
    assert changed[0][1] == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def test_a_url_field_refuses_a_value_that_is_not_a_link(
    adapter: Bitrix24Adapter, portal: PortalState
) -> None:
    setup_portal(adapter.client, URLS)
    deal_id = str(portal.add_deal({"title": "x"})["id"])

    with pytest.raises(CrmError, match="CRM_FIELD_ERROR_VALUE_NOT_VALID"):
        adapter.update_deals([DealUpdate(deal_id, fields={LeaseField.INVOICE_URL: "С-7"})])
    adapter.update_deals(
        [DealUpdate(deal_id, fields={LeaseField.INVOICE_URL: "https://rentflow.example/d/t"})]
    )

    assert portal.deals[int(deal_id)][FIELD_NAMES[LeaseField.INVOICE_URL]].startswith("https://")


def test_users_come_with_their_e_mails_page_after_page(
    adapter: Bitrix24Adapter, portal: PortalState
) -> None:
    for n in range(60):  # more than one page of user.get (50 a page)
        uid = 100 + n
        portal.users[uid] = {"ID": str(uid), "ACTIVE": n % 2 == 0, "NAME": f"Сотрудник {n}",
                             "LAST_NAME": "", "EMAIL": f"u{n}@portal.example"}  # fmt: skip
    users = {u.id: u for u in adapter.list_users()}
    assert users["7"].name == "Михаил Менеджеров"
    assert users["7"].email == "manager@portal.example"
    assert "100" in users  # active
    assert "101" not in users  # dismissed: ACTIVE false
    assert users["158"].email == "u58@portal.example"  # from the second page


def test_the_deal_party_is_the_company_with_its_requisites_else_the_contact(
    adapter: Bitrix24Adapter, portal: PortalState
) -> None:
    with_company = portal.add_deal({"companyId": 1})["id"]
    with_contact = portal.add_deal({"contactIds": [1]})["id"]
    nobody = portal.add_deal({})["id"]

    company = adapter.deal_party(str(with_company))
    contact = adapter.deal_party(str(with_contact))

    assert (company.name, company.inn, company.kpp) == ('ООО "Василёк"', "7728168971", "772801001")
    assert company.emails == ("buh@vasilek.example",)
    assert (contact.name, contact.emails) == ("Кравцова Ирина", ("irina@vasilek.example",))
    assert adapter.deal_party(str(nobody)).name == ""


def test_a_task_completes_with_the_answer_pinned_and_a_gone_one_is_refused_for_good(
    adapter: Bitrix24Adapter, portal: PortalState, sleeps: list[float]
) -> None:
    task = CrmTask("1", "7", "Заявка № 1", "Течёт кран", datetime(2026, 3, 1, tzinfo=UTC))
    task_id = adapter.create_task(task)
    assert adapter.start_task(task_id) is True
    adapter.complete_task(task_id, "Кран заменён")

    (state,) = adapter.task_states([task_id])
    assert (state.status, state.result) == (CrmTaskStatus.COMPLETED, "Кран заменён")
    with pytest.raises(CrmError, match="Action on the task is not allowed") as gone:
        adapter.complete_task("999", "Кран заменён")
    assert not isinstance(gone.value, CrmUnavailable)  # not retried
    assert sleeps == []
