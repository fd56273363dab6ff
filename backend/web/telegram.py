"""The bot's webhook: Telegram posts each update here (https://core.telegram.org/bots/api#setwebhook).

An update is taken only with the ``X-Telegram-Bot-Api-Secret-Token`` header rentflow gave
``setWebhook`` (compared in constant time): the URL alone proves nothing. The bot answers
``/start <code>`` in the webhook's own response, a method call Telegram executes
(bots/api#making-requests-when-getting-updates), so no outbound call is made here.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue

from backend.services.channels import link_from_update
from backend.telegram.client import parse_update
from backend.web.deps import container

bp = Blueprint("telegram", __name__, url_prefix="/telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@bp.post("/webhook")
def webhook() -> ResponseReturnValue:
    c = container()
    settings = c.settings
    if not settings.telegram_ready:
        abort(404)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), settings.telegram_webhook_secret.encode()):
        abort(403)
    raw = request.get_json(silent=True)
    update = parse_update(raw) if isinstance(raw, dict) else None
    if update is None:  # not a text message: acknowledged, nothing to do
        return {"ok": True}
    answer = link_from_update(
        c.uow, c.clock, update.chat_id, update.text, update.username, update.language
    )
    return {"method": "sendMessage", "chat_id": update.chat_id, "text": answer}
