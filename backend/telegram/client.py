"""A Telegram Bot API client over HTTPS with ``requests`` (https://core.telegram.org/bots/api).

Every method is ``POST https://api.telegram.org/bot<token>/<method>``; the answer is JSON
with ``ok`` and either ``result`` or ``error_code`` + ``description`` and sometimes
``parameters`` (bots/api#making-requests, #responseparameters). Two errors matter here:

- 429, ``{"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5",
  "parameters": {"retry_after": 5}}``: wait ``retry_after`` seconds, then repeat
  (bots/api#responseparameters; bots/faq "My bot is hitting limits");
- 403, ``{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the
  user"}``: the user stopped the bot; nothing reaches that chat until they start it again.

The token is part of every URL: it never appears in an error message or a log line here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests

API_BASE = "https://api.telegram.org"
TIMEOUT = 30
MAX_TEXT = 4096  # bots/api#sendmessage: 1-4096 characters after entities parsing
MAX_CAPTION = 1024  # bots/api#senddocument: caption 0-1024 characters


class TelegramError(Exception):
    """A Bot API call failed; ``transient`` ones (5xx, network, 429) may succeed later."""

    def __init__(
        self, description: str, *, code: int = 0, transient: bool = False,
        retry_after: int | None = None,
    ) -> None:  # fmt: skip
        super().__init__(f"Telegram {code or 'error'}: {description}")
        self.code = code
        self.description = description
        self.transient = transient
        self.retry_after = retry_after


class TelegramBlocked(TelegramError):
    """403: the user blocked the bot (or the chat is gone): do not send there again."""


@dataclass(frozen=True)
class Update:
    """The part of an ``Update`` (bots/api#update) rentflow reads: a private text message."""

    update_id: int
    chat_id: str
    text: str
    username: str = ""
    language: str = ""  # the user's app language (IETF tag, ``from.language_code``)


def parse_update(raw: Mapping[str, Any]) -> Update | None:
    """An update carrying a text message, or None for every other kind."""
    message = raw.get("message")
    if not isinstance(message, Mapping) or not isinstance(message.get("text"), str):
        return None
    chat = message.get("chat") or {}
    sender = message.get("from") or {}
    if not isinstance(chat, Mapping) or "id" not in chat:
        return None
    return Update(
        update_id=int(raw.get("update_id", 0)),
        chat_id=str(chat["id"]),
        text=message["text"],
        username=str(sender.get("username", "")) if isinstance(sender, Mapping) else "",
        language=str(sender.get("language_code", "")) if isinstance(sender, Mapping) else "",
    )


class TelegramClient:
    """One bot. A 429 is waited out and repeated (up to ``tries`` calls, each wait at most
    ``max_wait`` seconds); a longer wait is raised, for the outbox to try again later."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = API_BASE,
        session: requests.Session | None = None,
        timeout: float = TIMEOUT,
        tries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ValueError("a Telegram bot token is needed")
        self._token = token
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.tries = tries
        self.max_wait = max_wait
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"TelegramClient(base_url={self.base_url!r})"  # never the token

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """Call ``method``; its ``result``, or ``TelegramError`` / ``TelegramBlocked``.
        With ``files`` the call is multipart/form-data (bots/api#sending-files)."""
        url = f"{self.base_url}/bot{self._token}/{method}"
        for attempt in range(1, self.tries + 1):
            try:
                if files:
                    form = {k: _form_value(v) for k, v in (params or {}).items()}
                    answer = self.session.post(url, data=form, files=files, timeout=self.timeout)
                else:
                    answer = self.session.post(url, json=dict(params or {}), timeout=self.timeout)
                body = answer.json()
            except requests.RequestException as err:
                # the exception's text would carry the URL, token and all
                raise TelegramError(f"{method}: {type(err).__name__}", transient=True) from None
            except ValueError:
                raise TelegramError(
                    f"{method}: HTTP {answer.status_code} without JSON",
                    code=answer.status_code,
                    transient=answer.status_code >= 500,
                ) from None
            if body.get("ok") is True:
                return body.get("result")
            error = _error(method, body, answer.status_code)
            wait = error.retry_after
            if wait is not None and attempt < self.tries and wait <= self.max_wait:
                self.sleep(float(wait))
                continue
            raise error
        raise TelegramError(f"{method}: no answer", transient=True)  # not reached

    def get_me(self) -> dict[str, Any]:
        """The bot itself (bots/api#getme): ``{"id", "is_bot", "username", ...}``."""
        result: dict[str, Any] = self.call("getMe")
        return result

    def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        """bots/api#sendmessage, plain text (no parse_mode: nothing to escape)."""
        result: dict[str, Any] = self.call(
            "sendMessage", {"chat_id": chat_id, "text": _cut(text, MAX_TEXT)}
        )
        return result

    def send_document(
        self, chat_id: str, name: str, data: bytes, mime: str = "application/pdf",
        caption: str = "",
    ) -> dict[str, Any]:  # fmt: skip
        """bots/api#senddocument: the file uploaded as multipart/form-data."""
        params = {"chat_id": chat_id}
        if caption:
            params["caption"] = _cut(caption, MAX_CAPTION)
        result: dict[str, Any] = self.call(
            "sendDocument", params, files={"document": (name, data, mime)}
        )
        return result

    def get_updates(self, offset: int | None = None, timeout: int = 0) -> list[Update]:
        """bots/api#getupdates: the text messages after ``offset`` (409 while a webhook is set)."""
        params: dict[str, Any] = {"timeout": timeout, "allowed_updates": ["message"]}
        if offset is not None:
            params["offset"] = offset
        raw: Sequence[Mapping[str, Any]] = self.call("getUpdates", params) or []
        return [u for u in (parse_update(r) for r in raw) if u is not None]

    def set_webhook(self, url: str, secret_token: str) -> bool:
        """bots/api#setwebhook: updates are posted to ``url`` with the header
        ``X-Telegram-Bot-Api-Secret-Token: <secret_token>`` (1-256 of A-Z a-z 0-9 _ -)."""
        params = {"url": url, "secret_token": secret_token, "allowed_updates": ["message"]}
        return bool(self.call("setWebhook", params))

    def delete_webhook(self) -> bool:
        """bots/api#deletewebhook: back to getUpdates."""
        return bool(self.call("deleteWebhook", {}))


def _error(method: str, body: Mapping[str, Any], status: int) -> TelegramError:
    code = int(body.get("error_code") or status)
    description = str(body.get("description") or f"HTTP {status}")
    parameters = body.get("parameters") or {}
    retry_after = parameters.get("retry_after") if isinstance(parameters, Mapping) else None
    if code == 403:
        return TelegramBlocked(f"{method}: {description}", code=code)
    return TelegramError(
        f"{method}: {description}",
        code=code,
        transient=code == 429 or code >= 500,
        retry_after=int(retry_after) if retry_after is not None else None,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _form_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
