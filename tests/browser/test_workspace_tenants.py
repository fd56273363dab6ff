"""The workspace's tenant side in the sandbox Bitrix24 portal, in a real browser, in Russian
and English: a tenant's request answered "done" (an empty answer refused by its field), an
announcement posted to a building (an empty text refused by its field) and seen in the list
with whom it reached, a scan uploaded on the lease card (a false PDF refused by its field)
and listed; then the tenant signs in to the cabinet and finds the answer, the announcement
and the scan there. The request's task on the lease's deal in the sandbox portal is closed by
the answer, with the answer as its result."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from backend.domain.lease import LeaseStatus
from backend.services import tenant_requests
from backend.services.leases import register_lease
from backend.services.request_answers import push_answer
from tests import factories
from tests.browser.conftest import Rentflow
from tests.browser.sandbox_portal import ADMIN, SandboxPortal, snapshot
from tests.cabinet_world import EMAIL, last_code

pytestmark = pytest.mark.browser
BUILDING = "БЦ «Вавилов»"
LEASE = "А-15/2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass(frozen=True)
class Texts:
    """What the pages say in one language (written here by hand, not taken from the app)."""

    lang: str
    requests_tab: str
    done_button: str
    answer_needed: str
    answered: str
    resolved: str
    announcements_tab: str
    text_needed: str
    post: str
    posted: str
    leases_tab: str
    upload: str
    bad_file: str
    scan_added: str
    cabinet_resolved: str


RU = Texts(
    "ru", "Заявки", "Выполнена, с этим ответом",
    "Напишите ответ арендатору: без ответа заявку не закрыть.",
    "Заявка № {number} выполнена; ответ у арендатора.", "Рассмотрена", "Объявления",
    "Напишите текст объявления.", "Опубликовать объявление",
    "Объявление опубликовано; кому оно ушло — в списке.", "Договоры", "Загрузить скан",
    "Не принят: скан — это файл PDF, JPEG или PNG, не пустой, до 20 МБ.",
    "Скан добавлен; арендатор видит его в кабинете.", "Рассмотрена",
)  # fmt: skip
EN = Texts(
    "en", "Requests", "Done, with this answer",
    "Write the answer the tenant will get: a request is done with one.",
    "Request № {number} is done; the tenant has the answer.", "Resolved", "Announcements",
    "Write the announcement's text.", "Post the announcement",
    "Announcement posted; whom it reached is in the list.", "Leases", "Upload the scan",
    "Not taken: a scan is a PDF, JPEG or PNG file, not empty, up to 20 MB.",
    "Scan added; the tenant sees it in the cabinet.", "Resolved",
)  # fmt: skip


def _lease_with_a_request(rentflow: Rentflow) -> int:
    """A signed lease on a deal of the sandbox portal in a building, managed by the sandbox's
    manager, and its tenant's request with a file, filed as the cabinet files it, its task on
    the deal. The answer's job runs when queued. Returns the request's number."""
    c = rentflow.container
    with c.uow() as uow:
        portal = uow.portals.list()[0]
    portal_id = portal.id or 0
    deal = requests.post(f"{rentflow.portal_page}deals", json={"title": "Офис 101"}, timeout=10)
    lease = factories.lease(
        number=LEASE, status=LeaseStatus.SIGNED,
        premises=(factories.premises(building=BUILDING),),
    )  # fmt: skip
    with c.uow(portal_id) as uow:
        registered = register_lease(uow, c.clock, lease, crm_deal_id=str(deal.json()["deal"]["id"]))
        uow.commit()
    number = tenant_requests.file_request(
        c.uow, c.clock, c.document_storage(), portal_id, [registered.tenant_id],
        registered.lease_id, "technical", "Течёт кран в офисе 101",
        [tenant_requests.NewFile("кран.pdf", PDF)],
    )  # fmt: skip
    tenant_requests.push_task(c.uow, c.clock, c.crm(portal), portal_id, number)

    def worker(name: str, *args: Any) -> None:  # the answer's job, at once
        if name == "jobs.channel_tasks.push_request_answer":
            push_answer(c.uow, c.crm(portal), *args)

    c.task_sender = worker
    return number


def _answer_done(app: Any, page: Any, texts: Texts, number: int) -> None:
    app.get_by_role("link", name=texts.requests_tab, exact=True).click()
    card = app.locator(f'article.tenant-request[data-number="{number}"]')
    expect(card).to_contain_text("Течёт кран в офисе 101")
    expect(card.get_by_role("link", name="кран.pdf")).to_be_visible()
    card.get_by_role("button", name=texts.done_button).click()
    card = app.locator(f'article.tenant-request[data-number="{number}"]')
    expect(card.locator(".field.has-error .error")).to_have_text(texts.answer_needed)
    snapshot(page, f"tenants-request-no-answer-{texts.lang}")
    card.locator("textarea[name=answer]").fill("Сантехник придёт завтра в 10:00.")
    card.get_by_role("button", name=texts.done_button).click()
    expect(app.locator("#done")).to_have_text(texts.answered.format(number=number))
    card = app.locator(f'article.tenant-request[data-number="{number}"]')
    expect(card).to_have_attribute("data-status", "done")
    expect(card.locator(".status")).to_have_text(texts.resolved)
    expect(card).to_contain_text("Сантехник придёт завтра в 10:00.")
    snapshot(page, f"tenants-request-done-{texts.lang}")


def _task_closed_in_the_portal(page: Any, rentflow: Rentflow, texts: Texts) -> None:
    """The manager who lives in the CRM finds the request's task closed, with the answer."""
    page.goto(f"{rentflow.portal_page}tasks")
    task = page.locator("li.task")
    expect(task).to_have_count(1)
    expect(task).to_have_class(re.compile(r"\bdone\b"))
    expect(task.locator(".result")).to_have_text("✔ Сантехник придёт завтра в 10:00.")
    target = os.environ.get("RENTFLOW_SCREENSHOTS")
    if target:  # the portal's own page, not rentflow's frame
        page.screenshot(path=str(Path(target) / f"tenants-request-task-closed-{texts.lang}.png"))


def _announce(app: Any, page: Any, texts: Texts) -> None:
    app.get_by_role("link", name=texts.announcements_tab, exact=True).click()
    app.locator("#a-audience").select_option(f"building:{BUILDING}")
    app.locator("#a-title").fill("Отключение воды")
    app.get_by_role("button", name=texts.post).click()
    expect(app.locator("#e-text")).to_have_text(texts.text_needed)
    expect(app.locator("#a-title")).to_have_value("Отключение воды")  # what was typed is kept
    snapshot(page, f"tenants-announcement-no-text-{texts.lang}")
    app.locator("#a-text").fill("2 марта с 10 до 14 часов воды не будет.")
    app.get_by_role("button", name=texts.post).click()
    expect(app.locator("#done")).to_have_text(texts.posted)
    row = app.locator("#announcements tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Отключение воды")
    expect(row.first.locator(".audience")).to_contain_text(BUILDING)
    expect(row.first.locator(".tenants")).to_have_text("1")
    snapshot(page, f"tenants-announcement-posted-{texts.lang}")


def _upload_scan(app: Any, page: Any, texts: Texts, tmp_path: Path) -> None:
    fake, scan = tmp_path / "договор.pdf", tmp_path / "scan.pdf"
    fake.write_bytes(b"this is a text file named .pdf")
    scan.write_bytes(PDF)
    app.get_by_role("link", name=texts.leases_tab, exact=True).click()
    app.get_by_role("link", name=f"№ {LEASE}").click()
    app.locator("#scan-title").fill("Подписанный договор")
    app.locator("#scan-file").set_input_files(str(fake))
    app.get_by_role("button", name=texts.upload).click()
    expect(app.locator("#scan-file-e")).to_have_text(texts.bad_file)
    expect(app.locator("#scan-title")).to_have_value("Подписанный договор")
    expect(app.locator("#scans tr[data-title]")).to_have_count(0)
    app.locator("#scans-card").scroll_into_view_if_needed()
    snapshot(page, f"tenants-scan-refused-{texts.lang}")
    app.locator("#scan-file").set_input_files(str(scan))
    app.get_by_role("button", name=texts.upload).click()
    expect(app.locator("#scan-done")).to_have_text(texts.scan_added)
    expect(app.locator("#scans tr[data-title]")).to_have_count(1)
    expect(app.locator("#scans")).to_contain_text("Подписанный договор")
    expect(app.locator("#lease-requests")).to_contain_text(texts.resolved)
    app.locator("#scans-card").scroll_into_view_if_needed()
    snapshot(page, f"tenants-scan-listed-{texts.lang}")


def _tenant_sees_it_all(page: Any, rentflow: Rentflow, texts: Texts) -> None:
    page.goto(f"{rentflow.url}/cabinet/lang/{texts.lang}?next=/cabinet/login")
    page.fill("#email", EMAIL)
    page.locator("form button").first.click()
    page.fill("#code", last_code(rentflow.container)[0])
    page.locator("form button").first.click()
    page.wait_for_load_state()
    page.goto(f"{rentflow.url}/cabinet/announcements")
    expect(page.locator("article.announcement")).to_contain_text("Отключение воды")
    page.goto(f"{rentflow.url}/cabinet/documents")
    expect(page.get_by_text("Подписанный договор").first).to_be_visible()
    page.goto(f"{rentflow.url}/cabinet/requests")
    expect(page.locator("body")).to_contain_text(texts.cabinet_resolved)


@pytest.mark.parametrize("texts", [RU, EN], ids=["ru", "en"])
def test_a_request_answered_an_announcement_posted_and_a_scan_uploaded_reach_the_tenant(
    page: Any, rentflow: Rentflow, texts: Texts, tmp_path: Path
) -> None:
    portal = SandboxPortal(page, rentflow.portal_page)
    portal.install()
    number = _lease_with_a_request(rentflow)
    page.on("dialog", lambda dialog: dialog.accept())
    portal.act_as(ADMIN, texts.lang)
    app = portal.open_app()

    _answer_done(app, page, texts, number)
    _announce(app, page, texts)
    _upload_scan(app, page, texts, tmp_path)
    _tenant_sees_it_all(page, rentflow, texts)
    _task_closed_in_the_portal(page, rentflow, texts)
