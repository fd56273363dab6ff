"""The Telegram Bot API emulator as a Flask app: ``/bot<token>/<method>`` as the real API
(https://core.telegram.org/bots/api), plus sandbox-only controls under ``/_sandbox/`` and a
page that plays the Telegram app for a deep link (``/t.me/<bot>?start=<code>``).

As the real API: parameters by query string, urlencoded or multipart form, or JSON
(bots/api#making-requests); method names are case-insensitive; every answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N, "description": "..."}``
with HTTP status N. Errors modelled: 401 "Unauthorized" (bad token), 404 "Not Found"
(unknown method), 400 "Bad Request: chat not found" / "message text is empty" / "message is
too long" / "there is no document in the request", 403 "Forbidden: bot was blocked by the
user", 409 "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook
to delete the webhook first", 429 "Too Many Requests: retry after N" with
``parameters.retry_after`` (bots/api#responseparameters; injected with ``/_sandbox/throttle``).
A webhook's updates carry ``X-Telegram-Bot-Api-Secret-Token``; a method returned in the
webhook's response is executed (bots/api#making-requests-when-getting-updates).

Sandbox differences: a webhook may be plain HTTP, but only on rentflow's own origin (the real
API wants HTTPS on 443/80/88/8443); nothing else is ever called.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import escape

from sandbox.telegram.state import BotState

MAX_TEXT, MAX_CAPTION = 4096, 1024
MAX_UPLOAD = 50 * 1024 * 1024  # bots/api#senddocument: files up to 50 MB
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # bots/api#setwebhook secret_token
SANDBOX_USER = 5550001  # who "opens the link" on the emulator's page unless told otherwise

bp = Blueprint("telegram_emulator", __name__)


def create_emulator(state: BotState) -> Flask:
    """A WSGI app emulating one bot (``app.config["TELEGRAM_BOT"]``)."""
    app = Flask(__name__)
    app.config["TELEGRAM_BOT"] = state
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD + 1024 * 1024
    app.register_blueprint(bp)
    return app


def _bot() -> BotState:
    state: BotState = current_app.config["TELEGRAM_BOT"]
    return state


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def _answer(result: Any = None, error: ApiError | None = None) -> Response:
    if error is None:
        return jsonify({"ok": True, "result": result})
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    answer = jsonify(body)
    answer.status_code = error.code
    return answer


def _params() -> dict[str, Any]:
    params: dict[str, Any] = dict(request.args)
    if request.is_json:
        params.update(request.get_json(silent=True) or {})
    else:
        params.update(request.form)
    return params


@bp.route("/bot<token>/<method>", methods=["GET", "POST"])
def api(token: str, method: str) -> Response:
    bot = _bot()
    try:
        if token != bot.token:
            raise ApiError(401, "Unauthorized")
        handler = METHODS.get(method.lower())
        if handler is None:
            raise ApiError(404, "Not Found")
        wait = bot.next_throttle()
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        answer = _answer(handler(bot, _params()))
    except ApiError as err:
        answer = _answer(error=err)
    with bot._lock:
        bot.calls.append((method, answer.status_code))
    return answer


def _chat(bot: BotState, params: dict[str, Any]) -> str:
    chat_id = str(params.get("chat_id", "")).strip()
    if not chat_id:
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat = bot.chats.get(chat_id)
    if chat is None:  # the user never started the bot
        raise ApiError(400, "Bad Request: chat not found")
    if chat.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat_id


def get_me(bot: BotState, params: dict[str, Any]) -> Any:
    return bot.me()


def send_message(bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(bot, params)
    text = str(params.get("text", ""))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return bot.deliver(chat_id, {"text": text})


def send_document(bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(bot, params)
    caption = str(params.get("caption", ""))
    if len(caption) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    upload = request.files.get("document")
    if upload is not None:
        data = upload.read()
        if not data:
            raise ApiError(400, "Bad Request: file must be non-empty")
        name = upload.filename or "document"
        document = bot.store_file(name, upload.mimetype or "application/octet-stream", data)
    else:
        file_id = str(params.get("document", ""))
        if not file_id:
            raise ApiError(400, "Bad Request: there is no document in the request")
        if file_id not in bot.files:  # a URL or an unknown file_id: the sandbox fetches nothing
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        name, mime, data = bot.files[file_id]
        document = bot.store_file(name, mime, data)
    content: dict[str, Any] = {"document": document}
    if caption:
        content["caption"] = caption
    return bot.deliver(chat_id, content)


def get_updates(bot: BotState, params: dict[str, Any]) -> Any:
    if bot.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active;"
            " use deleteWebhook to delete the webhook first",
        )
    offset = int(params.get("offset") or 0)
    limit = max(1, min(100, int(params.get("limit") or 100)))
    with bot._lock:
        if offset:  # bots/api#getupdates: updates below the offset are confirmed, forgotten
            bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
        return bot.updates[:limit]


def set_webhook(bot: BotState, params: dict[str, Any]) -> Any:
    url = str(params.get("url", ""))
    secret = str(params.get("secret_token", ""))
    if not url:
        return delete_webhook(bot, params)
    if secret and not SECRET_RE.match(secret):
        raise ApiError(400, "Bad Request: secret token contains unallowed characters")
    parts = urlsplit(url)
    if parts.scheme != "https" and f"{parts.scheme}://{parts.netloc}" != bot.allowed_origin:
        raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    with bot._lock:
        bot.webhook_url, bot.webhook_secret = url, secret
        bot.updates.clear()
    return True


def delete_webhook(bot: BotState, params: dict[str, Any]) -> Any:
    with bot._lock:
        bot.webhook_url, bot.webhook_secret = "", ""
    return True


def get_webhook_info(bot: BotState, params: dict[str, Any]) -> Any:
    return {
        "url": bot.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }


METHODS = {
    "getme": get_me, "sendmessage": send_message, "senddocument": send_document,
    "getupdates": get_updates, "setwebhook": set_webhook, "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
}  # fmt: skip


def user_writes(
    bot: BotState, user_id: int, text: str, username: str = "", language: str = ""
) -> dict[str, Any]:
    """A user sends ``text`` to the bot: the update goes to the webhook (on rentflow's own
    origin only) or waits for getUpdates; a method in the webhook's answer is executed."""
    update = bot.user_message(user_id, text, username, language)
    url = bot.webhook_url
    if not url:
        return {"update": update, "queued": True}
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != bot.allowed_origin:
        return {"update": update, "webhook": "refused: not rentflow's origin"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": bot.webhook_secret} if bot.webhook_secret else {}
    answer = requests.post(url, json=update, headers=headers, timeout=10)
    reply: Any = None
    if answer.ok and answer.headers.get("Content-Type", "").startswith("application/json"):
        body = answer.json()
        handler = METHODS.get(str(body.get("method", "")).lower()) if body else None
        if handler is not None:
            try:
                reply = handler(bot, body)
            except ApiError as err:
                reply = {"error": err.description}
    return {"update": update, "webhook": answer.status_code, "reply": reply}


# ---- sandbox-only controls ---------------------------------------------------------------


@bp.post("/_sandbox/users/<int:user_id>/messages")
def control_write(user_id: int) -> Response:
    """Play a user: ``{"text": "/start CODE", "username": "...", "language_code": "uk"}``."""
    body = request.get_json(silent=True) or {}
    return jsonify(
        user_writes(
            _bot(), user_id, str(body.get("text", "")), body.get("username", ""),
            str(body.get("language_code", "")),
        )
    )  # fmt: skip


@bp.post("/_sandbox/users/<int:user_id>/<any(block, unblock):action>")
def control_block(user_id: int, action: str) -> Response:
    """The user blocks (or unblocks) the bot: sends to their chat answer 403 meanwhile."""
    bot = _bot()
    with bot._lock:
        chat = bot.chats.get(str(user_id))
        if chat is None:
            return _answer(error=ApiError(404, "no such chat"))
        chat.blocked = action == "block"
    return jsonify({"ok": True, "blocked": chat.blocked})


@bp.get("/_sandbox/chats/<chat_id>")
def control_chat(chat_id: str) -> Response:
    """What the chat received from the bot, oldest first."""
    chat = _bot().chats.get(chat_id)
    if chat is None:
        return _answer(error=ApiError(404, "no such chat"))
    return jsonify({"blocked": chat.blocked, "messages": chat.received})


@bp.get("/_sandbox/files/<file_id>")
def control_file(file_id: str) -> Response:
    found = _bot().files.get(file_id)
    if found is None:
        return _answer(error=ApiError(404, "no such file"))
    name, mime, data = found
    return Response(
        data, mimetype=mime, headers={"Content-Disposition": f"inline; filename={json.dumps(name)}"}
    )


@bp.post("/_sandbox/throttle")
def control_throttle() -> Response:
    """The next ``calls`` API calls answer 429 with ``retry_after``."""
    body = request.get_json(silent=True) or {}
    bot = _bot()
    with bot._lock:
        bot.throttled.extend([int(body.get("retry_after", 1))] * int(body.get("calls", 1)))
    return jsonify({"ok": True, "throttled": len(bot.throttled)})


# ---- the Telegram app, played in a page ----------------------------------------------------

_PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
.msg{{background:#eef4fb;border-radius:.5rem;padding:.6rem .8rem;margin:.5rem 0;
white-space:pre-wrap;overflow-wrap:anywhere}}
.sandbox{{color:#a15c00;font-size:.85rem}}button{{font-size:1rem;padding:.5rem 1.2rem}}</style>
</head><body><p class="sandbox">Telegram (sandbox emulator)</p>{body}</body></html>"""


@bp.get("/")
def index() -> str:
    """The bot at a glance: its name, where its updates go, the chats that started it."""
    bot = _bot()
    with bot._lock:
        chats = sorted(bot.chats.items())
        hook = bot.webhook_url or "— (getUpdates)"
    rows = "".join(
        f'<li><a href="{url_for(".chat_page", chat_id=cid)}">{escape(chat.user["first_name"])}'
        f"</a> ({cid}){' · blocked' if chat.blocked else ''}</li>"
        for cid, chat in chats
    )
    body = (
        f"<h1>@{escape(bot.username)}</h1><p>Webhook: <code>{escape(hook)}</code></p>"
        f"<h2>Chats</h2><ul>{rows or '<li>—</li>'}</ul>"
        "<p>A tenant links a chat from the cabinet: Notifications → Link Telegram.</p>"
    )
    return _PAGE.format(title=f"@{escape(bot.username)}", body=body)


@bp.get("/t.me/<bot_name>")
def deep_link(bot_name: str) -> Response | str:
    """What opening ``https://t.me/<bot>?start=<code>`` shows: the bot and a Start button."""
    bot = _bot()
    if bot_name != bot.username:
        return Response("no such bot", status=404)
    start = request.args.get("start", "")
    body = (
        f"<h1>@{escape(bot.username)}</h1><p>{escape(bot.first_name)}</p>"
        f'<form method="post" action="{url_for(".deep_link_start", bot_name=bot_name)}">'
        f'<input type="hidden" name="start" value="{escape(start)}">'
        f'<label>User id <input name="user" value="{SANDBOX_USER}" inputmode="numeric"></label> '
        '<button type="submit">Start</button></form>'
    )
    return _PAGE.format(title=f"@{escape(bot.username)}", body=body)


@bp.post("/t.me/<bot_name>/start")
def deep_link_start(bot_name: str) -> ResponseReturnValue:
    bot = _bot()
    if bot_name != bot.username:
        return Response("no such bot", status=404)
    user_id = int(request.form.get("user") or SANDBOX_USER)
    start = request.form.get("start", "")
    user_writes(bot, user_id, f"/start {start}".strip(), "sandbox_tenant")
    return redirect(url_for(".chat_page", chat_id=str(user_id)), code=303)


@bp.get("/chat/<chat_id>")
def chat_page(chat_id: str) -> Response | str:
    """The chat as the user sees it: the bot's messages and documents."""
    bot = _bot()
    chat = bot.chats.get(chat_id)
    if chat is None:
        return Response("no such chat", status=404)
    items = []
    for message in chat.received:
        if "document" in message:
            doc = message["document"]
            link = url_for(".control_file", file_id=doc["file_id"])
            items.append(
                f'<div class="msg document">Файл: <a href="{link}">'
                f"{escape(doc['file_name'])}</a></div>"
            )
        else:
            items.append(f'<div class="msg">{escape(message.get("text", ""))}</div>')
    body = f"<h1>@{escape(bot.username)}</h1>" + ("".join(items) or "<p>—</p>")
    return _PAGE.format(title=f"@{escape(bot.username)}", body=body)
