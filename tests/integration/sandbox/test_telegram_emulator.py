"""The Bot API emulator over real HTTP, through rentflow's client: methods, updates and the
error shapes of https://core.telegram.org/bots/api."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from backend.telegram.client import TelegramBlocked, TelegramClient, TelegramError
from sandbox.telegram.app import create_emulator, user_writes
from sandbox.telegram.state import BotState
from tests.loopback import serve

TOKEN = "7000000009:AAemulator-test-token-0000000000000"


@pytest.fixture
def bot() -> BotState:
    return BotState(token=TOKEN, username="rentflow_test_bot")


@pytest.fixture
def url(bot: BotState) -> Iterator[str]:
    with serve(create_emulator(bot)) as base:
        yield base


def _client(url: str, token: str = TOKEN, waits: list[float] | None = None) -> TelegramClient:
    return TelegramClient(token, base_url=url, sleep=(waits if waits is not None else []).append)


def test_get_me_and_a_wrong_token(url: str) -> None:
    me = _client(url).get_me()
    assert (me["id"], me["is_bot"], me["username"]) == (7000000009, True, "rentflow_test_bot")
    with pytest.raises(TelegramError) as refused:
        _client(url, token="1:wrong").get_me()
    assert refused.value.code == 401


def test_updates_wait_for_get_updates_and_an_offset_confirms_them(bot: BotState, url: str) -> None:
    user_writes(bot, 42, "/start abc", "anna")
    user_writes(bot, 42, "hello")
    client = _client(url)
    first = client.get_updates()
    assert [(u.chat_id, u.text) for u in first] == [("42", "/start abc"), ("42", "hello")]
    assert client.get_updates(offset=first[-1].update_id + 1) == []


def test_get_updates_conflicts_with_a_webhook(url: str) -> None:
    client = _client(url)
    with pytest.raises(TelegramError, match="bad webhook"):
        client.set_webhook("http://elsewhere.example/hook", "s3cret")
    assert client.set_webhook("https://rentflow.example/telegram/webhook", "s3cret")
    with pytest.raises(TelegramError) as conflict:
        client.get_updates()
    assert conflict.value.code == 409
    assert client.delete_webhook()
    assert client.get_updates() == []


def test_messages_and_documents_land_in_the_chat(bot: BotState, url: str) -> None:
    user_writes(bot, 42, "/start x")
    client = _client(url)
    client.send_message("42", "Счёт № 1")
    sent = client.send_document("42", "Счёт 1.pdf", b"%PDF-1.7 ...", caption="Счёт")
    chat = requests.get(f"{url}/_sandbox/chats/42", timeout=10).json()["messages"]
    assert [m.get("text") for m in chat] == ["Счёт № 1", None]
    assert chat[1]["document"]["file_name"] == "Счёт 1.pdf"
    stored = requests.get(f"{url}/_sandbox/files/{sent['document']['file_id']}", timeout=10)
    assert stored.content == b"%PDF-1.7 ..."


def test_errors_unknown_chat_blocked_bot_and_429(bot: BotState, url: str) -> None:
    client = _client(url)
    with pytest.raises(TelegramError, match="chat not found") as unknown:
        client.send_message("404", "hi")
    assert unknown.value.code == 400
    user_writes(bot, 42, "/start x")
    requests.post(f"{url}/_sandbox/users/42/block", timeout=10)
    with pytest.raises(TelegramBlocked, match="bot was blocked by the user"):
        client.send_message("42", "hi")
    requests.post(f"{url}/_sandbox/users/42/unblock", timeout=10)
    requests.post(f"{url}/_sandbox/throttle", json={"retry_after": 3, "calls": 2}, timeout=10)
    raw = requests.post(f"{url}/bot{TOKEN}/sendMessage", json={"chat_id": 42, "text": "x"},
                        timeout=10)  # fmt: skip
    assert raw.status_code == 429
    assert raw.json() == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }  # fmt: skip
    waits: list[float] = []
    _client(url, waits=waits).send_message("42", "after the wait")
    assert waits == [3.0]


def test_the_index_lists_the_chats_that_started_the_bot(bot: BotState, url: str) -> None:
    user_writes(bot, 42, "/start x", "anna")
    page = requests.get(f"{url}/", timeout=10).text
    assert "@rentflow_test_bot" in page
    assert 'href="/chat/42"' in page
