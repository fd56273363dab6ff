"""Signing in to the cabinet with a code that arrives in Telegram, over real HTTP: rentflow
and the Bot API emulator on one loopback port (as ``rentflow serve`` mounts them in the
sandbox). A tenant's accountant links a chat from the cabinet; their next sign-in code comes
to the chat as well as by mail and opens the cabinet; the form answers every address alike,
and no other address's code ever reaches that chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import select

from backend.bootstrap import Container
from backend.config import Settings
from backend.db.tables import TenantRow
from backend.mail.smtp import EmlDirMailer
from backend.ports import FixedClock
from backend.services.outbox import deliver_due
from backend.telegram.channel import TelegramChannel
from backend.telegram.client import TelegramClient
from tests.cabinet_world import csrf_of, last_code
from tests.telegram_world import press_start, telegram_served

USER = 5550077
LINKED = "buh@vasilek.example"  # links the chat
UNLINKED = "director@vasilek.example"  # the same tenant's other address
UNKNOWN = "nobody@nowhere.example"


@dataclass
class World:
    container: Container
    url: str

    @property
    def bot(self) -> str:
        return f"{self.url}/sandbox/telegram"

    def deliver(self) -> None:
        """The outbox task's run: mail to files, Telegram to the emulator."""
        settings = self.container.settings
        client = TelegramClient(settings.telegram_bot_token, base_url=settings.telegram_api_base)
        deliver_due(
            self.container.uow, self.container.clock,
            EmlDirMailer(settings.var_dir / "eml", "robot@rentflow.local"),
            self.container.document_storage(), channels={"telegram": TelegramChannel(client)},
        )  # fmt: skip

    def chat(self) -> list[str]:
        answer = requests.get(f"{self.bot}/_sandbox/chats/{USER}", timeout=10)
        return [m.get("text", "") for m in answer.json()["messages"]] if answer.ok else []


@pytest.fixture
def world(settings: Settings, clock: FixedClock, db_url: str) -> Iterator[World]:
    if not db_url.startswith("sqlite"):
        pytest.skip("runs once, on SQLite")
    with telegram_served(settings, clock, "tg-sign-in") as served:
        served.container.task_sender = lambda name, *args: None  # the test delivers
        yield World(served.container, served.url)


def _post(world: World, browser: requests.Session, path: str, **form: str) -> requests.Response:
    """The form at ``path`` filled in and sent, as a browser does (its form token too)."""
    page = browser.get(f"{world.url}{path}", timeout=10).text
    return browser.post(
        f"{world.url}{path}", data={**form, "csrf": csrf_of(page)}, allow_redirects=False,
        timeout=10,
    )  # fmt: skip


def _ask_code(world: World, browser: requests.Session, email: str) -> requests.Response:
    return _post(world, browser, "/cabinet/login", email=email)


def _enter_code(world: World, browser: requests.Session, code: str) -> requests.Response:
    return _post(world, browser, "/cabinet/login/code", code=code)


def _link_chat(world: World, lang: str = "ru") -> None:
    """Sign in by mail as ``LINKED`` with the cabinet in ``lang``, ask for a link code,
    press Start in the bot."""
    browser = requests.Session()
    browser.cookies.set("rentflow_lang", lang)
    _ask_code(world, browser, LINKED)
    code, _ = last_code(world.container, LINKED)
    assert _enter_code(world, browser, code).status_code == 303
    page = browser.get(f"{world.url}/cabinet/notifications", timeout=10).text
    page = browser.post(
        f"{world.url}/cabinet/notifications/telegram", data={"csrf": csrf_of(page)}, timeout=10
    ).text
    start = re.search(r"/start ([A-Za-z0-9_-]+)", page)
    assert start, "no link code on the page"
    press_start(world.url, start.group(1), USER)
    logout = browser.get(f"{world.url}/cabinet/", timeout=10).text
    browser.post(f"{world.url}/cabinet/logout", data={"csrf": csrf_of(logout)}, timeout=10)


def test_the_code_arrives_in_the_linked_chat_and_signs_in(world: World) -> None:
    _link_chat(world)
    world.deliver()
    linked_replies = len(world.chat())
    browser = requests.Session()

    assert _ask_code(world, browser, LINKED).status_code == 303
    world.deliver()

    received = world.chat()[linked_replies:]
    assert len(received) == 1
    code = re.search(r"\b(\d{6})\b", received[0])
    assert code, received[0]
    assert "/cabinet/login/link/" in received[0]
    assert _enter_code(world, browser, code.group(1)).status_code == 303
    home = browser.get(f"{world.url}/cabinet/", timeout=10)
    assert "Василёк" in home.text


def test_every_address_gets_the_same_answer_and_only_its_own_chat_the_code(
    world: World,
) -> None:
    _link_chat(world)
    world.deliver()
    before = len(world.chat())
    answers = {}
    for email in (LINKED, UNLINKED, UNKNOWN):
        browser = requests.Session()
        asked = _ask_code(world, browser, email)
        page = browser.get(f"{world.url}/cabinet/login/code", timeout=10)
        answers[email] = (
            asked.status_code, asked.headers["Location"], page.status_code,
            re.sub(r'(name="csrf" \w+)="[^"]+"', r"\1", page.text).replace(email, "ADDRESS"),
        )  # fmt: skip
    world.deliver()

    assert answers[LINKED] == answers[UNLINKED] == answers[UNKNOWN]
    assert answers[LINKED][0] == 303
    assert "Telegram" in answers[LINKED][3]
    got = world.chat()[before:]
    assert len(got) == 1  # LINKED's code; the same tenant's other address's stays in the mail
    assert re.search(r"\b\d{6}\b", got[0])
    code, _ = last_code(world.container, UNLINKED)
    assert code not in got[0]


def test_the_cabinet_s_language_becomes_the_tenant_s(world: World) -> None:
    _link_chat(world, lang="uk")

    assert world.chat()[-1].startswith("Готово: рахунки")  # the bot's answer, in Ukrainian
    with world.container.uow(None) as uow:
        spoken = uow.session.scalar(select(TenantRow.language))
    assert spoken == "uk"
