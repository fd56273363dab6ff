"""The workspace's tenant side over HTTP, entered from the Bitrix24 app page of the emulated
portal: the requests section (a manager answers a request of their lease, the tenant is told
by mail; another manager or another portal's request is refused and changes nothing), the
announcements section (problems next to their fields, the building's tenants reached) and
the lease card's scans (a bad file refused, nothing stored; a deleted scan leaves the
tenant's cabinet)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.db.tables import AuditRow, OutboxRow
from backend.db.tables_cabinet import LeaseScanRow
from backend.db.tables_channels import TenantRequestRow
from backend.domain.lease import LeaseStatus
from backend.services import tenant_requests
from backend.services.leases import register_lease
from backend.services.portals import install_portal
from tests import factories
from tests.cabinet_world import sign_in
from tests.security.bitrix24_world import World, token_of, world

__all__ = ["world"]  # the fixture

ADMIN, MANAGER, OTHER = 1, 7, 9
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
BUILDING = "БЦ «Вавилов»"
EMAIL = "buh@vasilek.example"


@dataclass(frozen=True)
class Leased:
    world: World
    portal_id: int
    lease_id: int
    request_id: int
    file_id: int


def _token(world: World, user_id: int = ADMIN) -> str:
    return token_of(world.open("/bitrix24/app", user_id, PLACEMENT="DEFAULT"))


def _file_request(world: World, portal_id: int, lease_id: int, text: str) -> int:
    c = world.container
    with c.uow(portal_id) as uow:
        tenant_id = uow.leases.get(lease_id).tenant.id or 0
    return tenant_requests.file_request(
        c.uow, c.clock, c.document_storage(), portal_id, [tenant_id], lease_id, "technical",
        text, [tenant_requests.NewFile("кран.pdf", PDF)],
    )  # fmt: skip


@pytest.fixture
def leased(world: World) -> Leased:
    """The portal, a signed lease managed by user 7 in a building, a request filed on it."""
    portal = world.installed()
    assert portal.id is not None
    lease = factories.lease(
        status=LeaseStatus.SIGNED, premises=(factories.premises(building=BUILDING),)
    )
    with world.container.uow(portal.id) as uow:
        lease_id = register_lease(uow, world.container.clock, lease).lease_id
        uow.commit()
    request_id = _file_request(world, portal.id, lease_id, "Течёт кран в офисе 101")
    with world.container.uow(portal.id) as uow:
        file_id = uow.tenant_requests.get(request_id).attachments[0].id or 0
    world.container.task_sender = lambda name, *args: world.queued.append((name, args))
    return Leased(world, portal.id, lease_id, request_id, file_id)


def _post(world: World, path: str, token: str, lang: str = "en", **form: Any) -> Any:
    return world.web.post(f"/workspace/{path}?LANG={lang}", data={"t": token, "lang": lang,
                                                                  **form})  # fmt: skip


def _error(html: str, element_id: str) -> str:
    found = re.search(rf'<div class="error" id="{element_id}" role="alert">([^<]*)</div>', html)
    assert found is not None, html[html.find("<main>") :][:2500]
    return found.group(1)


def _count(world: World, query: Any) -> int:
    with world.container.uow() as uow:
        return int(uow.session.scalar(query) or 0)


def _request_row(world: World, request_id: int) -> tuple[str, str]:
    with world.container.uow() as uow:
        row = uow.session.get(TenantRequestRow, request_id)
        assert row is not None
        return row.status, row.answer


def test_without_a_workspace_token_nothing_is_shown_or_changed(leased: Leased) -> None:
    world, lease_id = leased.world, leased.lease_id
    audits = _count(world, select(func.count()).select_from(AuditRow))

    answers = [
        world.web.get("/workspace/requests"),
        world.web.get(f"/workspace/requests/{leased.request_id}/files/{leased.file_id}"),
        world.web.post(f"/workspace/requests/{leased.request_id}/answer",
                       data={"status": "done", "answer": "Готово"}),
        world.web.get("/workspace/announcements"),
        world.web.post("/workspace/announcements", data={"title": "x", "text": "y",
                                                         "audience": f"building:{BUILDING}"}),
        world.web.post(f"/workspace/leases/{lease_id}/scans",
                       data={"title": "Договор", "file": (io.BytesIO(PDF), "a.pdf")}),
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [401] * 6
    assert _request_row(world, leased.request_id) == ("new", "")
    assert _count(world, select(func.count()).select_from(AuditRow)) == audits
    assert _count(world, select(func.count()).select_from(LeaseScanRow)) == 0


def test_the_manager_answers_a_request_done_and_the_tenant_is_told_by_mail(
    leased: Leased,
) -> None:
    world = leased.world
    token = _token(world, MANAGER)

    listed = world.web.get(f"/workspace/requests?LANG=en&t={token}").get_data(as_text=True)
    file_link = f"/workspace/requests/{leased.request_id}/files/{leased.file_id}?t="
    download = world.web.get(f"{file_link}{token}")
    empty = _post(world, f"requests/{leased.request_id}/answer", token, status="done",
                  answer="  ")  # fmt: skip
    done = _post(world, f"requests/{leased.request_id}/answer", token, "ru", status="done",
                 answer="Сантехник придёт завтра в 10:00.")  # fmt: skip
    shown = world.web.get(done.headers["Location"]).get_data(as_text=True)
    still_new = world.web.get(f"/workspace/requests?LANG=en&status=new&t={token}")

    assert 'ООО "Василёк"' in listed.replace("&#34;", '"')
    assert "Lease № А-15/2026" in listed
    assert "Течёт кран в офисе 101" in listed
    assert "кран.pdf" in listed
    assert download.status_code == 200
    assert download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert empty.status_code == 422
    assert _error(empty.get_data(as_text=True), f"answer-{leased.request_id}-e") == (
        "Write the answer the tenant will get: a request is done with one."
    )
    assert done.status_code == 303
    assert _request_row(world, leased.request_id) == ("done", "Сантехник придёт завтра в 10:00.")
    assert f"Request № {leased.request_id} is done; the tenant has the answer." in shown
    assert "Сантехник придёт завтра в 10:00." in shown
    assert "Течёт кран" not in still_new.get_data(as_text=True)
    with world.container.uow() as uow:
        (mail,) = uow.session.execute(
            select(OutboxRow.recipients, OutboxRow.body_text).where(
                OutboxRow.kind == "request_status"
            )
        )
    assert mail.recipients == [EMAIL, "director@vasilek.example"]
    assert "Ответ менеджера: Сантехник придёт завтра в 10:00." in mail.body_text
    assert world.queued == [
        ("jobs.tasks.deliver_outbox", ()),
        ("jobs.channel_tasks.push_request_answer", (leased.portal_id, leased.request_id)),
    ]  # the mail, then the CRM task's job


def test_another_manager_is_refused_and_changes_nothing(leased: Leased) -> None:
    world = leased.world
    other = _token(world, OTHER)

    listed = world.web.get(f"/workspace/requests?LANG=en&t={other}").get_data(as_text=True)
    answer = _post(world, f"requests/{leased.request_id}/answer", other, status="done",
                   answer="Чужой ответ")  # fmt: skip
    download = world.web.get(
        f"/workspace/requests/{leased.request_id}/files/{leased.file_id}?t={other}"
    )
    scan = world.web.post(
        f"/workspace/leases/{leased.lease_id}/scans?LANG=en",
        data={"t": other, "title": "Договор", "file": (io.BytesIO(PDF), "a.pdf")},
    )

    assert "Течёт кран" not in listed
    assert "Tenants have filed no requests yet." in listed
    assert (answer.status_code, download.status_code, scan.status_code) == (404, 404, 404)
    assert _request_row(world, leased.request_id) == ("new", "")
    assert _count(world, select(func.count()).select_from(LeaseScanRow)) == 0
    assert _count(world, select(func.count()).select_from(OutboxRow)) == 0


def test_another_portals_request_and_lease_are_not_found_and_nothing_changes(
    leased: Leased,
) -> None:
    world = leased.world
    c = world.container
    with c.uow() as uow:
        theirs = install_portal(uow, c.clock, kind="amocrm", external_id="chuzhoy")
        uow.commit()
    assert theirs.id is not None
    with c.uow(theirs.id) as uow:
        their_lease = register_lease(uow, c.clock, factories.lease(number="Ч-1")).lease_id
        uow.commit()
    their_request = _file_request(world, theirs.id, their_lease, "Чужая заявка")
    with c.uow(theirs.id) as uow:
        their_file = uow.tenant_requests.get(their_request).attachments[0].id
    admin = _token(world)
    audits = _count(world, select(func.count()).select_from(AuditRow))

    listed = world.web.get(f"/workspace/requests?LANG=en&t={admin}").get_data(as_text=True)
    answers = [
        _post(world, f"requests/{their_request}/answer", admin, status="done", answer="x"),
        world.web.get(f"/workspace/requests/{their_request}/files/{their_file}?t={admin}"),
        world.web.get(f"/workspace/leases/{their_lease}?t={admin}"),
        world.web.post(f"/workspace/leases/{their_lease}/scans?LANG=en",
                       data={"t": admin, "title": "Скан", "file": (io.BytesIO(PDF), "a.pdf")}),
    ]  # fmt: skip

    assert "Чужая заявка" not in listed
    assert [a.status_code for a in answers] == [404] * 4
    assert _request_row(world, their_request) == ("new", "")
    assert _count(world, select(func.count()).select_from(AuditRow)) == audits
    assert _count(world, select(func.count()).select_from(LeaseScanRow)) == 0


def test_an_announcement_is_checked_by_field_then_reaches_the_buildings_tenants(
    leased: Leased,
) -> None:
    world = leased.world
    admin = _token(world)

    page = world.web.get(f"/workspace/announcements?LANG=ru&t={admin}").get_data(as_text=True)
    wrong = _post(world, "announcements", admin, "ru", title="Отключение воды", text=" ",
                  audience="", posted_on="2026-03-02")  # fmt: skip
    posted = _post(world, "announcements", admin, title="Отключение воды",
                   text="2 марта с 10 до 14 воды не будет.", audience=f"building:{BUILDING}",
                   posted_on="2026-03-02")  # fmt: skip
    listed = world.web.get(posted.headers["Location"]).get_data(as_text=True)
    manager = world.web.get(f"/workspace/announcements?t={_token(world, MANAGER)}")

    assert f'<option value="building:{BUILDING}">{BUILDING}</option>' in page
    assert "ООО &#34;Василёк&#34; — № А-15/2026" in page  # a tenant by name, with its lease
    assert wrong.status_code == 422
    html = wrong.get_data(as_text=True)
    assert _error(html, "e-text") == "Напишите текст объявления."
    assert _error(html, "e-audience") == "Выберите здание или арендатора."
    assert 'value="Отключение воды"' in html  # what was typed is kept
    assert posted.status_code == 303
    assert "Announcement posted; whom it reached is in the list." in listed
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", listed, re.S)
    assert row is not None
    assert "Mar 2, 2026" in row.group(1)
    assert f"Building: {BUILDING}" in row.group(1)
    assert '<td class="num tenants">1</td>' in row.group(1)
    assert '<td class="num pending">1</td>' in row.group(1)
    assert manager.status_code == 403
    with world.container.uow() as uow:
        (body,) = uow.session.scalars(
            select(OutboxRow.body_text).where(OutboxRow.kind == "announcement")
        )
    assert "2 марта с 10 до 14 воды не будет." in body


def _scan(world: World, lease_id: int, token: str, data: bytes, name: str, title: str) -> Any:
    return world.web.post(
        f"/workspace/leases/{lease_id}/scans?LANG=en",
        data={"t": token, "lang": "en", "title": title, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_scan_is_refused_by_its_field_added_then_deleted_and_the_cabinet_follows(
    leased: Leased,
) -> None:
    world, lease_id = leased.world, leased.lease_id
    token = _token(world, MANAGER)
    stored = world.container.settings.var_dir

    bad = _scan(world, lease_id, token, b"MZ\x90\x00 not a scan", "scan.pdf", "Договор")
    untitled = _scan(world, lease_id, token, PDF, "scan.pdf", "  ")
    added = _scan(world, lease_id, token, PDF, "scan.pdf", "Подписанный договор")
    card = world.web.get(added.headers["Location"]).get_data(as_text=True)
    with world.container.uow() as uow:
        scan_id = uow.session.scalars(select(LeaseScanRow.id)).one()
    download = world.web.get(f"/workspace/leases/{lease_id}/scans/{scan_id}?t={token}")
    cabinet = world.web.application.test_client()
    sign_in(cabinet, world.container, EMAIL)
    before = cabinet.get("/cabinet/documents").get_data(as_text=True)
    deleted = _post(world, f"leases/{lease_id}/scans/{scan_id}/delete", token)
    after = cabinet.get("/cabinet/documents").get_data(as_text=True)
    gone = cabinet.get(f"/cabinet/scans/{scan_id}")

    assert bad.status_code == 422
    assert _error(bad.get_data(as_text=True), "scan-file-e") == (
        "Not taken: a scan is a PDF, JPEG or PNG file, not empty, up to 20 MB."
    )
    assert 'value="Договор"' in bad.get_data(as_text=True)
    assert untitled.status_code == 422
    assert _error(untitled.get_data(as_text=True), "scan-title-e") == (
        "Give the scan a title: one line, up to 255 characters."
    )
    assert added.status_code == 303
    assert "Scan added; the tenant sees it in the cabinet." in card
    assert "Подписанный договор" in card
    assert download.data == PDF
    assert "Подписанный договор" in before
    assert deleted.status_code == 303
    assert "Подписанный договор" not in after
    assert gone.status_code == 404
    assert _count(world, select(func.count()).select_from(LeaseScanRow)) == 0
    assert not [p for p in stored.rglob("*") if "scans" in p.parts and p.is_file()]
    with world.container.uow() as uow:
        actions = list(uow.session.scalars(
            select(AuditRow.action).where(AuditRow.action.like("lease.scan_%"))
            .order_by(AuditRow.id)
        ))  # fmt: skip
    assert actions == ["lease.scan_added", "lease.scan_deleted"]


def test_a_request_answered_in_the_workspace_closes_its_task_in_the_portal_once(
    world: World,
) -> None:
    """The answer's job completes the lease's deal's task with the answer as its result; the
    portal's ONTASKUPDATE about that change moves nothing and tells the tenant nothing more."""
    from jobs import channel_tasks, runtime

    c = world.container
    portal = world.installed()
    portal_id = portal.id or 0
    deal_id = str(world.portal.add_deal({"title": "Офис 101"})["id"])
    with c.uow(portal_id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED)
        lease_id = register_lease(uow, c.clock, lease, crm_deal_id=deal_id).lease_id
        uow.commit()
    request_id = _file_request(world, portal_id, lease_id, "Течёт кран в офисе 101")
    task_id = tenant_requests.push_task(c.uow, c.clock, c.crm(portal), portal_id, request_id)
    c.task_sender = lambda name, *args: world.queued.append((name, args))
    (task,) = world.portal.tasks

    done = _post(world, f"requests/{request_id}/answer", _token(world, MANAGER), "ru",
                 status="done", answer="Сантехник придёт завтра в 10:00.")  # fmt: skip
    assert done.status_code == 303
    assert task.get("STATUS", "2") == "2"  # the page did not wait for the portal
    assert ("jobs.channel_tasks.push_request_answer", (portal_id, request_id)) in world.queued
    runtime.set_container(c)
    try:
        channel_tasks.push_request_answer(portal_id, request_id)
        event = world.event("ONTASKUPDATE", **{
            "data[FIELDS][ID]": "", "data[FIELDS_BEFORE][ID]": task_id,
            "data[FIELDS_AFTER][ID]": task_id,
        })  # fmt: skip
        channel_tasks.request_task_changed(portal_id, task_id)
    finally:
        runtime.set_container(None)

    assert event.status_code == 200
    assert ("jobs.channel_tasks.request_task_changed", (portal_id, task_id)) in world.queued
    assert task["STATUS"] == "5"
    assert [r["text"] for r in task["RESULTS"]] == ["Сантехник придёт завтра в 10:00."]
    assert _request_row(world, request_id) == ("done", "Сантехник придёт завтра в 10:00.")
    told = select(func.count()).where(OutboxRow.kind == "request_status")
    assert _count(world, told) == 1
