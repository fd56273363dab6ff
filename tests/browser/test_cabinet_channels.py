"""The tenant cabinet's channels and requests in a real browser, against the sandbox: sign in
with the code mailed to a real SMTP server, link Telegram in the sandbox Telegram and receive
the next invoice there with its PDFs; file a request with a file, close its task in the
sandbox Bitrix24 portal, see it resolved with the manager's answer (Russian, Ukrainian,
English)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from backend.bootstrap import Container, bootstrap
from backend.config import SANDBOX_TELEGRAM_BOT, SANDBOX_TELEGRAM_TOKEN, Settings
from backend.domain.lease import LeaseStatus
from backend.services import tenant_requests
from backend.services.announcements import post_announcement
from backend.services.billing import run_portal
from backend.services.leases import register_lease
from backend.services.outbox import deliver_due
from sandbox.bitrix24.state import PortalState
from sandbox.loopback import free_port, serve
from sandbox.smtp_sink import Sink
from tests import factories
from tests.browser.cabinet_browser import mailed_code, smtp_for
from tests.browser.sandbox_portal import SandboxPortal

pytestmark = pytest.mark.browser
EMAIL = "buh@vasilek.example"
JAN_27 = date(2026, 1, 27)  # February's invoice is issued
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Sandbox:
    container: Container
    url: str
    b24: PortalState
    mail: Sink
    portal_id: int = 0

    def shot(self, page: Any, name: str) -> None:
        target = os.environ.get("RENTFLOW_SCREENSHOTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


def _worker(c: Container) -> Any:
    """The worker, in process: the tasks these pages queue, run at once."""

    def run(name: str, *args: Any) -> None:
        def crm(portal_id: int) -> Any:
            with c.uow() as uow:
                return c.crm(uow.portals.get(portal_id))

        if name == "jobs.channel_tasks.push_request_task":
            tenant_requests.push_task(c.uow, c.clock, crm(args[0]), args[0], args[1])
        elif name == "jobs.channel_tasks.request_task_changed":
            tenant_requests.sync_tasks(c.uow, c.clock, crm(args[0]), args[0], [args[1]])
        elif name == "jobs.tasks.deliver_outbox":
            deliver_due(c.uow, c.clock, c.mailer(), c.document_storage(),
                        channels=c.notification_channels())  # fmt: skip

    return run


@pytest.fixture
def sandbox(settings: Settings, db_url: str) -> Iterator[Sandbox]:
    if not db_url.startswith("sqlite"):
        pytest.skip("the browser suite runs once, on SQLite")
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from backend.web.app import create_app
    from sandbox.mount import sandbox_apps

    port = free_port()
    sandboxed = replace(
        settings, sandbox=True, public_base_url=f"http://127.0.0.1:{port}",
        telegram_enabled=True, telegram_bot_token=SANDBOX_TELEGRAM_TOKEN,
        telegram_bot_username=SANDBOX_TELEGRAM_BOT,
    )  # fmt: skip
    container = bootstrap(sandboxed)  # the real clock: the sandbox portal stamps events with it
    container.task_sender = _worker(container)
    app = create_app(container=container)
    apps = {s.name: s for s in sandbox_apps(sandboxed)}
    mounts = {apps[n].prefix: apps[n].app for n in ("bitrix24", "telegram")}
    b24: PortalState = apps["bitrix24"].app.config["B24_PORTAL"]
    try:
        with (
            smtp_for(container) as mail,
            serve(DispatcherMiddleware(app, mounts), port=port) as url,
        ):
            yield Sandbox(container, url, b24, mail)
    finally:
        container.dispose()


def _install_and_lease(sandbox: Sandbox, page: Any) -> None:
    SandboxPortal(page, f"{sandbox.url}/sandbox/bitrix24/_portal/").install()
    c = sandbox.container
    with c.uow() as uow:
        portal = uow.portals.find("bitrix24", sandbox.b24.member_id)
    assert portal is not None
    assert portal.id is not None
    sandbox.portal_id = portal.id
    deal = sandbox.b24.add_deal({"title": "Офис 101"})
    with c.uow(portal.id) as uow:
        lease = factories.lease(status=LeaseStatus.SIGNED, auto_send=True)
        register_lease(uow, c.clock, lease, crm_deal_id=str(deal["id"]))
        uow.commit()


def _sign_in(sandbox: Sandbox, page: Any) -> None:
    page.goto(f"{sandbox.url}/cabinet/login")
    page.fill("#email", EMAIL)
    page.locator("form button").click()
    page.locator("#code").wait_for()
    page.fill("#code", mailed_code(sandbox.mail, EMAIL))
    page.locator("form button").click()
    if "/cabinet/choose" in page.url:
        page.locator("button.choice").first.click()
    page.get_by_role("link", name="Уведомления").wait_for()


def test_link_telegram_in_the_sandbox_and_receive_the_next_invoice_there(
    sandbox: Sandbox, page: Any
) -> None:
    _install_and_lease(sandbox, page)
    _sign_in(sandbox, page)
    page.get_by_role("link", name="Уведомления").click()
    page.get_by_role("button", name="Подключить Telegram").click()
    code = page.locator("code.code").inner_text().removeprefix("/start ").strip()
    expect(page.get_by_text(f"https://t.me/{SANDBOX_TELEGRAM_BOT}?start={code}")).to_be_visible()
    sandbox.shot(page, "cabinet-notifications-link-ru")
    page.get_by_role("link", name="Открыть в тестовом Telegram (песочница)").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Готово: счета")).to_be_visible()

    page.goto(f"{sandbox.url}/cabinet/notifications")
    expect(page.get_by_text("Telegram подключён: @sandbox_tenant.")).to_be_visible()
    sandbox.shot(page, "cabinet-notifications-linked-ru")

    run_portal(sandbox.container.billing_ports(), sandbox.portal_id, JAN_27)  # the nightly run
    sandbox.container.send_task("jobs.tasks.deliver_outbox")
    page.goto(f"{sandbox.url}/sandbox/telegram/chat/5550001")
    expect(page.get_by_text("Документы по договору", exact=False)).to_be_visible()
    pdf = page.get_by_role("link", name="Счет на оплату № 1 от 27.01.2026.pdf")
    expect(pdf).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("с QR-кодом № 1"))).to_be_visible()
    sandbox.shot(page, "telegram-chat-invoice")
    data = requests.get(f"{sandbox.url}{pdf.get_attribute('href')}", timeout=10).content
    assert data.startswith(b"%PDF")


def test_file_a_request_close_its_task_in_the_crm_and_see_it_resolved(
    sandbox: Sandbox, page: Any, tmp_path: Path
) -> None:
    _install_and_lease(sandbox, page)
    _sign_in(sandbox, page)
    page.get_by_role("link", name="Заявки").click()
    page.get_by_role("link", name="Новая заявка").click()
    page.get_by_role("button", name="Отправить менеджеру").click()  # nothing written
    expect(page.locator("#text-error")).to_have_text("Опишите заявку (до 4000 символов).")
    sandbox.shot(page, "cabinet-request-error-ru")
    page.get_by_label("Техническая").check()
    page.fill("#text", "Не работает кондиционер в офисе 101")
    scan = tmp_path / "акт осмотра.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("#attachments", str(scan))
    page.get_by_role("button", name="Отправить менеджеру").click()
    expect(page.locator("[data-status]")).to_have_text("Не рассмотрена")
    expect(page.get_by_role("link", name="акт осмотра.pdf")).to_be_visible()
    sandbox.shot(page, "cabinet-request-filed-ru")
    (task,) = sandbox.b24.tasks  # the task on the lease's deal, for its manager
    assert task["RESPONSIBLE_ID"] == "7"
    assert str(task["UF_CRM_TASK"][0]).startswith("D_")
    request_page = page.url

    page.goto(f"{sandbox.url}/sandbox/bitrix24/_portal/tasks")
    page.fill("input[name=result]", "Мастер придёт завтра в 10:00")
    page.get_by_role("button", name="Завершить задачу").click()
    expect(page.get_by_text("✔ Мастер придёт завтра в 10:00")).to_be_visible()

    page.goto(request_page)
    expect(page.locator("[data-status]")).to_have_text("Рассмотрена")
    expect(page.locator(".answer")).to_contain_text("Мастер придёт завтра в 10:00")
    sandbox.shot(page, "cabinet-request-resolved-ru")
    page.get_by_role("link", name="Українська").click()
    expect(page.locator("[data-status]")).to_have_text("Розглянуто")
    expect(page.get_by_role("heading", name="Відповідь менеджера")).to_be_visible()
    sandbox.shot(page, "cabinet-request-resolved-uk")
    page.get_by_role("link", name="English").click()
    expect(page.locator("[data-status]")).to_have_text("Resolved")
    expect(page.get_by_role("heading", name="Manager's answer")).to_be_visible()
    sandbox.shot(page, "cabinet-request-resolved-en")
    page.get_by_role("link", name="Requests", exact=True).click()
    expect(page.locator("tr.status-done")).to_contain_text("Resolved")
    sandbox.shot(page, "cabinet-requests-en")


SIGN_IN_TEXTS = {
    "ru": ("а также в ваш Telegram, если вы подключили его в кабинете", "Отправить код",
           "а также в Telegram, если вы подключили его в кабинете", "Уведомления"),
    "en": ("and to your Telegram too if you linked it in the cabinet", "Send the code",
           "and to Telegram if you linked it in the cabinet", "Notifications"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_once_telegram_is_linked_the_sign_in_code_comes_there_too(
    sandbox: Sandbox, page: Any, lang: str
) -> None:
    on_form, send, on_code_page, signed_in = SIGN_IN_TEXTS[lang]
    _install_and_lease(sandbox, page)
    _sign_in(sandbox, page)
    page.get_by_role("link", name="Уведомления").click()
    page.get_by_role("button", name="Подключить Telegram").click()
    page.get_by_role("link", name="Открыть в тестовом Telegram (песочница)").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Готово: счета")).to_be_visible()
    page.goto(f"{sandbox.url}/cabinet/")
    page.get_by_role("button", name="Выйти").click()

    page.goto(f"{sandbox.url}/cabinet/lang/{lang}?next=/cabinet/login")
    expect(page.get_by_text(on_form)).to_be_visible()
    page.fill("#email", EMAIL)
    sandbox.shot(page, f"cabinet-sign-in-telegram-{lang}")
    page.get_by_role("button", name=send).click()
    expect(page.get_by_text(on_code_page)).to_be_visible()
    sandbox.shot(page, f"cabinet-code-telegram-{lang}")
    page.goto(f"{sandbox.url}/sandbox/telegram/chat/5550001")
    message = page.locator(".msg").last
    expect(message).to_contain_text("/cabinet/login/link/")
    sandbox.shot(page, f"telegram-chat-sign-in-code-{lang}")
    code = re.search(r"\b(\d{6})\b", message.inner_text())
    assert code is not None

    page.goto(f"{sandbox.url}/cabinet/login/code")
    page.fill("#code", code.group(1))
    page.locator("form button").click()
    if "/cabinet/choose" in page.url:
        page.locator("button.choice").first.click()
    expect(page.get_by_role("link", name=signed_in)).to_be_visible()


NOTIFICATIONS = {
    "ru": {"unlinked": "Telegram не подключён: пока вы его не подключите, все сообщения"
                       " приходят на почту.",
           "unlinked_column": "(не подключён: на почту)", "blocked_column": "(бот заблокирован:"
           " на почту)", "save": "Сохранить", "saved": "Сохранено.", "link": "Подключить Telegram",
           "again": "Подключить Telegram снова", "blocked": "Бот заблокирован в Telegram",
           "sandbox": "Открыть в тестовом Telegram (песочница)",
           "linked": "Telegram подключён: @sandbox_tenant."},
    "uk": {"unlinked": "Telegram не під'єднано: доки ви його не під'єднаєте, усі повідомлення"
                       " надходять на пошту.",
           "unlinked_column": "(не під'єднано: на пошту)", "blocked_column": "(бота заблоковано:"
           " на пошту)", "save": "Зберегти", "saved": "Збережено.", "link": "Під'єднати Telegram",
           "again": "Під'єднати Telegram знову", "blocked": "Бота заблоковано в Telegram",
           "sandbox": "Відкрити в тестовому Telegram (пісочниця)",
           "linked": "Telegram під'єднано: @sandbox_tenant."},
    "en": {"unlinked": "Telegram is not linked: until you link it, every message goes by"
                       " e-mail.",
           "unlinked_column": "(not linked: by e-mail)", "blocked_column": "(blocked: by e-mail)",
           "save": "Save", "saved": "Saved.", "link": "Link Telegram",
           "again": "Link Telegram again", "blocked": "The bot was blocked in Telegram",
           "sandbox": "Open in the sandbox Telegram",
           "linked": "Telegram is linked: @sandbox_tenant."},
}  # fmt: skip
SANDBOX_USER = 5550001


def _link_in_the_sandbox(page: Any, button: str, sandbox_link: str) -> None:
    page.get_by_role("button", name=button).click()
    expect(page.locator("code.code")).to_be_visible()
    page.get_by_role("link", name=sandbox_link).click()
    page.get_by_role("button", name="Start").click()
    page.locator(".msg").first.wait_for()


@pytest.mark.parametrize("lang", ["ru", "uk", "en"])
def test_a_tenant_chooses_channels_per_topic_and_links_a_blocked_bot_again(
    sandbox: Sandbox, page: Any, lang: str
) -> None:
    words, c = NOTIFICATIONS[lang], sandbox.container
    _install_and_lease(sandbox, page)
    _sign_in(sandbox, page)
    notifications = f"{sandbox.url}/cabinet/notifications"
    page.goto(f"{sandbox.url}/cabinet/lang/{lang}?next=/cabinet/notifications")
    expect(page.locator("#telegram-state")).to_have_text(words["unlinked"])
    expect(page.locator("#telegram-column-state")).to_have_text(words["unlinked_column"])
    sandbox.shot(page, f"cabinet-notifications-unlinked-{lang}")

    # announcements by Telegram only, reminders by e-mail only
    page.uncheck("input[name='announcements.email']")
    page.check("input[name='announcements.telegram']")
    page.uncheck("input[name='reminders.telegram']")
    page.get_by_role("button", name=words["save"], exact=True).click()
    expect(page.locator("p.notice")).to_have_text(words["saved"])
    expect(page.locator("input[name='announcements.email']")).not_to_be_checked()
    expect(page.locator("input[name='announcements.telegram']")).to_be_checked()
    expect(page.locator("input[name='reminders.email']")).to_be_checked()
    expect(page.locator("input[name='reminders.telegram']")).not_to_be_checked()
    expect(page.locator("input[name='documents.email']")).to_be_disabled()

    _link_in_the_sandbox(page, words["link"], words["sandbox"])
    page.goto(notifications)
    expect(page.locator("#telegram-state")).to_have_text(words["linked"])
    expect(page.locator("#telegram-column-state")).to_have_count(0)

    # the tenant blocks the bot: the next announcement bounces and goes by e-mail instead
    requests.post(f"{sandbox.url}/sandbox/telegram/_sandbox/users/{SANDBOX_USER}/block", timeout=10)
    with c.uow(sandbox.portal_id) as uow:
        (lease,) = uow.leases.list()
    post_announcement(c.uow, c.clock, sandbox.portal_id, date(2026, 2, 1), "Отключение воды",
                      "3 февраля воды не будет.", tenant_id=lease.tenant.id)  # fmt: skip
    for _ in range(2):  # the bounced Telegram copy, then its e-mail (the next run)
        c.send_task("jobs.tasks.deliver_outbox")
    assert [m["Subject"] for m in sandbox.mail.messages].count("Отключение воды") == 1
    page.reload()
    expect(page.locator("#telegram-state")).to_contain_text(words["blocked"])
    expect(page.locator("#telegram-column-state")).to_have_text(words["blocked_column"])
    sandbox.shot(page, f"cabinet-notifications-blocked-{lang}")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_role("button", name=words["again"])).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    sandbox.shot(page, f"cabinet-notifications-blocked-phone-{lang}")
    page.set_viewport_size({"width": 1280, "height": 1000})

    _link_in_the_sandbox(page, words["again"], words["sandbox"])
    page.goto(notifications)
    expect(page.locator("#telegram-state")).to_have_text(words["linked"])
    sandbox.shot(page, f"cabinet-notifications-linked-{lang}")
