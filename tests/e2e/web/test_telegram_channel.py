"""Telegram end to end over real HTTP: rentflow and the Bot API emulator on one loopback port
(as ``rentflow serve`` mounts them in the sandbox). A tenant links a chat with a one-time
code; the next invoice reaches it with its PDFs, once, through a 429; a blocked bot falls
back to email (the SMTP sink gets it)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
import requests

from backend.bootstrap import Container
from backend.config import SANDBOX_TELEGRAM_BOT, Settings
from backend.domain.cabinet import TenantRef
from backend.domain.channels import Channel, Topic
from backend.mail.smtp import EmlDirMailer, SmtpMailer
from backend.ports import FixedClock
from backend.services import channels
from backend.services.announcements import post_announcement
from backend.services.billing import run_portal
from backend.services.cabinet_auth import CabinetAuth, remember_language
from backend.services.outbox import deliver_due
from backend.services.tenant_requests import answer_request, file_request
from backend.services.workspace_settings import read_settings_form, save_settings, settings_form
from backend.telegram.channel import TelegramChannel
from backend.telegram.client import TelegramClient
from tests.smtp_sink import smtp_sink
from tests.telegram_world import press_start, telegram_served

JAN_27 = date(2026, 1, 27)  # February's invoice is issued
USER = 5550042


@dataclass
class World:
    container: Container
    url: str
    portal_id: int
    tenant_id: int
    waits: list[float]

    @property
    def bot(self) -> str:
        return f"{self.url}/sandbox/telegram"

    def channel(self) -> TelegramChannel:
        settings = self.container.settings
        client = TelegramClient(
            settings.telegram_bot_token, base_url=settings.telegram_api_base,
            sleep=self.waits.append,
        )  # fmt: skip
        return TelegramChannel(client)

    def chat(self, user: int = USER) -> list[dict]:  # type: ignore[type-arg]
        answer = requests.get(f"{self.bot}/_sandbox/chats/{user}", timeout=10)
        return list(answer.json()["messages"]) if answer.ok else []

    def press_start(self, code: str, user: int = USER) -> None:
        press_start(self.url, code, user)


@pytest.fixture
def world(settings: Settings, clock: FixedClock, db_url: str) -> Iterator[World]:
    if not db_url.startswith("sqlite"):
        pytest.skip("runs once, on SQLite")
    with telegram_served(settings, clock, "tg-1", auto_send=True) as served:
        yield World(served.container, served.url, served.portal_id, served.tenant_id, [])


def _link(world: World) -> None:
    c = world.container
    link = channels.new_link_code(c.uow, c.clock, world.portal_id, [world.tenant_id], "bot")
    world.press_start(link.code)


def test_a_chat_links_with_its_code_once(world: World) -> None:
    c = world.container
    link = channels.new_link_code(
        c.uow, c.clock, world.portal_id, [world.tenant_id], SANDBOX_TELEGRAM_BOT
    )
    assert link.url == f"https://t.me/{SANDBOX_TELEGRAM_BOT}?start={link.code}"
    world.press_start(link.code)
    assert "Готово" in world.chat()[-1]["text"]
    world.press_start(link.code, user=USER + 1)  # the same code again, from someone else
    assert "недействительна" in world.chat(USER + 1)[-1]["text"]
    with c.uow(world.portal_id) as uow:
        assert uow.channels.chat_of(world.portal_id, world.tenant_id) == str(USER)


def test_the_webhook_refuses_an_update_without_the_secret(world: World) -> None:
    c = world.container
    link = channels.new_link_code(c.uow, c.clock, world.portal_id, [world.tenant_id], "bot")
    update = {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"},
              "text": f"/start {link.code}"}}  # fmt: skip
    for secret in ("", "wrong"):
        answer = requests.post(
            f"{world.url}/telegram/webhook", json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret}, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 403
    with c.uow(world.portal_id) as uow:
        assert uow.channels.chat_of(world.portal_id, world.tenant_id) is None


def test_the_next_invoice_reaches_the_chat_with_its_pdfs_once_through_a_429(
    world: World, tmp_path: Path
) -> None:
    c = world.container
    _link(world)
    run_portal(c.billing_ports(), world.portal_id, JAN_27)
    requests.post(f"{world.bot}/_sandbox/throttle", json={"retry_after": 2}, timeout=10)
    mailer = EmlDirMailer(tmp_path / "eml", "robot@rentflow.local")
    for _ in range(2):  # the delivery task runs twice: nothing goes twice
        deliver_due(c.uow, c.clock, mailer, c.document_storage(),
                    channels={"telegram": world.channel()})  # fmt: skip
    received = world.chat()[1:]  # after "Готово"
    texts = [m["text"] for m in received if "text" in m]
    documents = [m["document"] for m in received if "document" in m]
    assert len(texts) == 1
    assert "Документы по договору" in texts[0]
    assert sorted(d["file_name"] for d in documents) == [
        "Счет на оплату с QR-кодом № 1 от 27.01.2026.pdf",
        "Счет на оплату № 1 от 27.01.2026.pdf",
    ]
    for document in documents:
        data = requests.get(f"{world.bot}/_sandbox/files/{document['file_id']}", timeout=10)
        assert data.content.startswith(b"%PDF")
    assert world.waits == [2.0]  # the 429's retry_after, waited out once
    assert len(list((tmp_path / "eml").glob("*.eml"))) == 2  # the tenant's email and summary


def test_a_blocked_bot_falls_back_to_email(world: World) -> None:
    c = world.container
    _link(world)
    channels.save_preferences(
        c.uow,
        c.clock,
        world.portal_id,
        [world.tenant_id],
        {Topic.ANNOUNCEMENTS: {Channel.TELEGRAM}},
    )
    requests.post(f"{world.bot}/_sandbox/users/{USER}/block", timeout=10)
    post_announcement(
        c.uow, c.clock, world.portal_id, date(2026, 2, 1), "Отключение воды",
        "3 февраля с 10:00 до 14:00 в здании не будет воды.", tenant_id=world.tenant_id,
    )  # fmt: skip
    with smtp_sink() as (sink, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        first = deliver_due(c.uow, c.clock, mailer, c.document_storage(),
                            channels={"telegram": world.channel()})  # fmt: skip
        deliver_due(c.uow, c.clock, mailer, c.document_storage(),
                    channels={"telegram": world.channel()})  # fmt: skip
    assert len(first.failed) == 1  # the Telegram copy: blocked
    (mail,) = [m for m in sink.messages if "воды" in str(m["Subject"])]
    assert sorted(mail["To"].split(", ")) == ["buh@vasilek.example", "director@vasilek.example"]
    assert all("воды" not in m.get("text", "") for m in world.chat())
    with c.uow(world.portal_id) as uow:
        state = channels.channel_state(uow, world.portal_id, world.tenant_id)
    assert state.telegram_blocked


@pytest.mark.parametrize(
    ("lang", "linked", "subject", "answer"),
    [
        ("uk", "Готово: рахунки", "Заявка № 1: розглянута", "Відповідь менеджера: Полагодили"),
        (
            "en",
            "Done: the landlord's",
            "Request No. 1: resolved",
            "The manager's answer: Полагодили",
        ),
    ],
)
def test_a_tenant_is_written_to_in_the_cabinet_s_language_by_email_and_telegram(
    world: World, tmp_path: Path, lang: str, linked: str, subject: str, answer: str
) -> None:
    c = world.container
    auth = CabinetAuth(c.uow, c.clock, b"pepper", str, lambda: None)  # type: ignore[arg-type]
    remember_language(auth, TenantRef(world.portal_id, world.tenant_id), lang)
    _link(world)
    with c.uow(world.portal_id) as uow:
        (lease,) = uow.leases.list()
    assert lease.id is not None
    request_id = file_request(
        c.uow, c.clock, c.document_storage(), world.portal_id, [world.tenant_id], lease.id,
        "technical", "Не працює кондиціонер",
    )  # fmt: skip
    answer_request(c.uow, c.clock, world.portal_id, request_id, "done", "Полагодили", "api")
    deliver_due(c.uow, c.clock, EmlDirMailer(tmp_path, "robot@rentflow.local"),
                c.document_storage(), channels={"telegram": world.channel()})  # fmt: skip

    assert linked in world.chat()[0]["text"]  # the bot's answer to /start
    (told,) = [m["text"] for m in world.chat()[1:]]
    assert told.startswith(subject)
    assert answer in told
    (mail,) = [message_from_bytes(p.read_bytes(), policy=default) for p in tmp_path.glob("*.eml")]
    assert mail["Subject"] == subject
    assert answer in mail.get_body().get_content()  # type: ignore[union-attr]


def _deliver_to_sink(world: World) -> list[EmailMessage]:
    c = world.container
    with smtp_sink() as (sink, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        deliver_due(c.uow, c.clock, mailer, c.document_storage(),
                    channels={"telegram": world.channel()})  # fmt: skip
    return [m for m in sink.messages if "robot" not in str(m["To"])]


@pytest.mark.parametrize(
    ("lang", "subject", "line"),
    [
        (
            "uk",
            "Документи за договором № А-15/2026: рахунок № 1",
            "Рахунок на оплату № 1 від 27 січ. 2026\u202fр. за 1–28 лют. 2026\u202fр. на суму"
            " 100\xa0000,00\xa0RUB, сплатити до 1 лют. 2026\u202fр.",
        ),
        (
            "en",
            "Documents under lease No. А-15/2026: invoice No. 1",
            "Invoice No. 1 of Jan 27, 2026 for Feb 1\u2009–\u200928, 2026, amount"
            " 100,000.00\xa0RUB, due Feb 1, 2026",
        ),
    ],
)
def test_the_documents_reach_a_tenant_in_the_cabinet_s_language_by_email_and_telegram(
    world: World, lang: str, subject: str, line: str
) -> None:
    c = world.container
    auth = CabinetAuth(c.uow, c.clock, b"pepper", str, lambda: None)  # type: ignore[arg-type]
    remember_language(auth, TenantRef(world.portal_id, world.tenant_id), lang)
    _link(world)
    run_portal(c.billing_ports(), world.portal_id, JAN_27)
    received = _deliver_to_sink(world)

    (mail,) = [m for m in received if m["Subject"] == subject]
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert line in body
    assert "₽" not in body
    assert "Счёт" not in body
    (told,) = [m["text"] for m in world.chat()[1:] if "text" in m]
    assert told.startswith(subject)
    assert line in told


def test_a_landlord_s_own_documents_mail_reaches_an_english_reading_tenant_as_written(
    world: World,
) -> None:
    """The landlord's wording wins over the tenant's language: rentflow cannot translate it."""
    c = world.container
    with c.uow(world.portal_id) as uow:
        stored = settings_form(uow.portals.get(world.portal_id).settings).values
        form = read_settings_form({**stored, "mail_subject": "Счета по {lease_number}",
                                   "mail_body": "Здравствуйте!\n{documents}\n"})  # fmt: skip
        save_settings(uow, c.clock, world.portal_id, form)
        uow.commit()
    auth = CabinetAuth(c.uow, c.clock, b"pepper", str, lambda: None)  # type: ignore[arg-type]
    remember_language(auth, TenantRef(world.portal_id, world.tenant_id), "en")
    _link(world)
    run_portal(c.billing_ports(), world.portal_id, JAN_27)
    received = _deliver_to_sink(world)

    (mail,) = [m for m in received if m["Subject"] == "Счета по А-15/2026"]
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    line = ("Счёт на оплату № 1 от 27.01.2026 за 01.02.2026–28.02.2026 на сумму"
            " 100\xa0000,00\xa0₽, оплатить до 01.02.2026")  # fmt: skip
    assert body.startswith("Здравствуйте!\n" + line)
    (told,) = [m["text"] for m in world.chat()[1:] if "text" in m]
    assert told.startswith("Счета по А-15/2026\n\nЗдравствуйте!\n" + line)
