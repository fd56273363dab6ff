"""The Bot API client against ``responses``: request shapes, 429 waited out, 403, no token
in errors."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from backend.telegram.client import TelegramBlocked, TelegramClient, TelegramError, parse_update

TOKEN = "123456:ABC-secret-token"
BASE = f"https://api.telegram.org/bot{TOKEN}"


def _client(waits: list[float] | None = None) -> TelegramClient:
    return TelegramClient(TOKEN, sleep=(waits.append if waits is not None else lambda s: None))


@responses.activate
def test_send_message_posts_json_with_chat_and_text() -> None:
    responses.post(f"{BASE}/sendMessage", json={"ok": True, "result": {"message_id": 7}})
    assert _client().send_message("42", "Счёт № 12")["message_id"] == 7
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"chat_id": "42", "text": "Счёт № 12"}


@responses.activate
def test_send_document_is_multipart_with_the_file() -> None:
    responses.post(f"{BASE}/sendDocument", json={"ok": True, "result": {"message_id": 8}})
    _client().send_document("42", "Счёт 12.pdf", b"%PDF-1.7 body", caption="Счёт")
    request = responses.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b"%PDF-1.7 body" in request.body
    assert b'name="chat_id"' in request.body
    assert b"42" in request.body
    assert b'name="document"' in request.body


@responses.activate
def test_429_is_waited_out_for_retry_after_then_repeated() -> None:
    responses.post(
        f"{BASE}/sendMessage",
        status=429,
        json={"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
              "parameters": {"retry_after": 3}},
    )  # fmt: skip
    responses.post(f"{BASE}/sendMessage", json={"ok": True, "result": {"message_id": 9}})
    waits: list[float] = []
    assert _client(waits).send_message("42", "hi")["message_id"] == 9
    assert waits == [3.0]
    assert len(responses.calls) == 2


@responses.activate
def test_a_wait_longer_than_allowed_is_raised_with_retry_after() -> None:
    responses.post(
        f"{BASE}/sendMessage",
        status=429,
        json={"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 600",
              "parameters": {"retry_after": 600}},
    )  # fmt: skip
    waits: list[float] = []
    with pytest.raises(TelegramError) as caught:
        _client(waits).send_message("42", "hi")
    assert caught.value.retry_after == 600
    assert caught.value.transient
    assert waits == []
    assert len(responses.calls) == 1


@responses.activate
def test_403_blocked_by_the_user_is_its_own_error() -> None:
    responses.post(
        f"{BASE}/sendMessage",
        status=403,
        json={"ok": False, "error_code": 403,
              "description": "Forbidden: bot was blocked by the user"},
    )  # fmt: skip
    with pytest.raises(TelegramBlocked, match="blocked by the user"):
        _client().send_message("42", "hi")


@responses.activate
def test_errors_never_carry_the_token() -> None:
    responses.post(f"{BASE}/getMe", body=requests.ConnectionError("connection refused to " + BASE))
    with pytest.raises(TelegramError) as caught:
        _client().get_me()
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(_client())
    assert caught.value.transient


@responses.activate
def test_bad_request_is_permanent() -> None:
    responses.post(
        f"{BASE}/sendMessage",
        status=400,
        json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
    )
    with pytest.raises(TelegramError) as caught:
        _client().send_message("1", "x")
    assert not caught.value.transient
    assert caught.value.code == 400


def test_parse_update_reads_a_start_command_and_skips_other_updates() -> None:
    update = parse_update({
        "update_id": 5,
        "message": {"message_id": 1, "chat": {"id": 77, "type": "private"},
                    "from": {"id": 77, "is_bot": False, "username": "anna"},
                    "text": "/start abc"},
    })  # fmt: skip
    assert update is not None
    assert (update.chat_id, update.text, update.username) == ("77", "/start abc", "anna")
    assert parse_update({"update_id": 6, "edited_message": {}}) is None
