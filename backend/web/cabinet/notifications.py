"""How the tenant is told: channels per topic, and linking Telegram with a one-time code
(https://core.telegram.org/bots/features#deep-linking)."""

from __future__ import annotations

from typing import Any, cast

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _

from backend.config import SANDBOX_TELEGRAM_PREFIX
from backend.domain.channels import EMAIL_REQUIRED, Channel, InvalidPreferences, Topic
from backend.services import cabinet_channels, channels
from backend.web.cabinet.blueprint import bp
from backend.web.cabinet.nav import NavEntry, add
from backend.web.cabinet.session import (
    cabinet_view,
    container,
    current_person,
    current_tenant,
)

TOPICS = {
    Topic.DOCUMENTS: _("Invoices and acts"),
    Topic.REMINDERS: _("Payment and lease reminders"),
    Topic.OVERDUE: _("Overdue payments"),
    Topic.REQUESTS: _("Answers to requests"),
    Topic.ANNOUNCEMENTS: _("Announcements"),
}
CHANNELS = {Channel.EMAIL: _("E-mail"), Channel.TELEGRAM: _("Telegram")}

add(NavEntry("cabinet.notifications", _("Notifications"), order=70))


def _page(link: channels.TelegramLink | None = None, error: str = "") -> ResponseReturnValue:
    c = container()
    state = cabinet_channels.tenant_channels(cast(Any, c.uow), current_tenant())
    settings = c.settings
    telegram = settings.telegram_ready
    sandbox_link = ""
    if link is not None and settings.sandbox:  # the emulator plays the Telegram app
        sandbox_link = (
            f"{SANDBOX_TELEGRAM_PREFIX}/t.me/{settings.telegram_bot_username}?start={link.code}"
        )
    return render_template(
        "cabinet/notifications.html", state=state, topics=TOPICS, channels=CHANNELS,
        email_required=EMAIL_REQUIRED, telegram=telegram, link=link,
        sandbox_link=sandbox_link, error=error,
    ), (422 if error else 200)  # fmt: skip


@bp.get("/notifications")
@cabinet_view()
def notifications() -> ResponseReturnValue:
    return _page()


@bp.post("/notifications")
@cabinet_view()
def save_notifications() -> ResponseReturnValue:
    ref = current_tenant()
    c = container()
    chosen = {
        topic: {ch for ch in Channel if request.form.get(f"{topic.value}.{ch.value}") == "on"}
        for topic in Topic
    }
    for topic in EMAIL_REQUIRED:  # the box is shown checked and disabled: never sent
        chosen[topic].add(Channel.EMAIL)
    try:
        channels.save_preferences(c.uow, c.clock, ref.portal_id, ref.ids, chosen)
    except InvalidPreferences:
        return _page(error=gettext("Choose at least one channel for each kind of message."))
    flash(gettext("Saved."))
    return redirect(url_for("cabinet.notifications"), code=303)


@bp.post("/notifications/telegram")
@cabinet_view()
def link_telegram() -> ResponseReturnValue:
    """A fresh one-time code and its deep link, shown once on the page."""
    c = container()
    if not c.settings.telegram_ready:
        return redirect(url_for("cabinet.notifications"), code=303)
    ref = current_tenant()
    person = current_person()
    email = person.email if person is not None else ""
    link = channels.new_link_code(
        c.uow, c.clock, ref.portal_id, ref.ids, c.settings.telegram_bot_username, email
    )
    return _page(link=link)


@bp.post("/notifications/telegram/unlink")
@cabinet_view()
def unlink_telegram() -> ResponseReturnValue:
    ref = current_tenant()
    c = container()
    channels.unlink_telegram(c.uow, c.clock, ref.portal_id, ref.ids)
    flash(gettext("Telegram is unlinked."))
    return redirect(url_for("cabinet.notifications"), code=303)
