"""The state of the emulated bot: its chats (one per user who started it), what each chat
received, the files sent, pending updates, the webhook, and injected 429s.

Shapes follow https://core.telegram.org/bots/api: ``User`` (#user), ``Chat`` (#chat; a
private chat's id is the user's id), ``Message`` (#message), ``Document`` (#document),
``Update`` (#update), ``WebhookInfo`` (#webhookinfo).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChatState:
    user: dict[str, Any]
    blocked: bool = False  # the user blocked the bot
    received: list[dict[str, Any]] = field(default_factory=list)  # messages from the bot


@dataclass
class BotState:
    token: str
    username: str
    bot_id: int = 0
    first_name: str = "rentflow"
    webhook_url: str = ""
    webhook_secret: str = ""
    # the origin updates may be posted to (rentflow's own): the sandbox calls nothing else
    allowed_origin: str = ""
    chats: dict[str, ChatState] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # id -> name, mime
    throttled: deque[int] = field(default_factory=deque)  # retry_after of the next calls
    calls: list[tuple[str, int]] = field(default_factory=list)  # (method, HTTP status)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100001))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        if not self.bot_id:
            self.bot_id = int(self.token.split(":", 1)[0])

    def me(self) -> dict[str, Any]:
        return {
            "id": self.bot_id, "is_bot": True, "first_name": self.first_name,
            "username": self.username, "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
        }  # fmt: skip

    def user_message(
        self, user_id: int, text: str, username: str = "", language: str = ""
    ) -> dict[str, Any]:
        """A user writes to the bot (``/start CODE`` when they open a deep link): the chat
        exists from now on and the bot gets an ``Update`` (#update, #message); ``language``
        is the user's app language, ``User.language_code`` (#user, optional)."""
        user: dict[str, Any] = {
            "id": user_id, "is_bot": False, "first_name": username or f"User {user_id}"
        }  # fmt: skip
        if username:
            user["username"] = username
        if language:
            user["language_code"] = language
        with self._lock:
            chat = self.chats.setdefault(str(user_id), ChatState(user))
            chat.blocked = False  # pressing Start again unblocks the bot
            update = {
                "update_id": next(self._update_ids),
                "message": {
                    "message_id": next(self._ids), "from": user, "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private", "first_name": user["first_name"],
                             **({"username": username} if username else {})},
                    "text": text,
                    **({"entities": [{"type": "bot_command", "offset": 0,
                                      "length": len(text.split(" ", 1)[0])}]}
                       if text.startswith("/") else {}),
                },
            }  # fmt: skip
            if not self.webhook_url:
                self.updates.append(update)
        return update

    def deliver(self, chat_id: str, content: dict[str, Any]) -> dict[str, Any]:
        """A message from the bot lands in the chat; the ``Message`` the API returns."""
        with self._lock:
            chat = self.chats[chat_id]
            message = {
                "message_id": next(self._ids), "date": int(time.time()),
                "from": self.me() | {"is_bot": True},
                "chat": {"id": int(chat_id), "type": "private",
                         "first_name": chat.user["first_name"]},
                **content,
            }  # fmt: skip
            chat.received.append(message)
        return message

    def store_file(self, name: str, mime: str, data: bytes) -> dict[str, Any]:
        file_id = "BQAC" + secrets.token_urlsafe(24)
        with self._lock:
            self.files[file_id] = (name, mime, data)
        return {
            "file_name": name, "mime_type": mime, "file_id": file_id,
            "file_unique_id": secrets.token_hex(8), "file_size": len(data),
        }  # fmt: skip

    def next_throttle(self) -> int | None:
        with self._lock:
            return self.throttled.popleft() if self.throttled else None
