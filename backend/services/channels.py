"""Tenants' channels: which channels a message goes by, linking a Telegram chat with a
one-time deep-link code, and the fall back to email when the bot is blocked.

Linking (https://core.telegram.org/bots/features#deep-linking): the cabinet shows
``https://t.me/<bot>?start=<code>``; Telegram opens the bot and sends ``/start <code>``,
which reaches rentflow as an update (webhook or getUpdates). The code is 128 random bits
(22 characters of the 64 the start parameter allows), lives ``LINK_CODE_TTL``, works once,
and only its SHA-256 is stored, so a database read gives nobody a working code.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from backend.catalogues import gettext_for
from backend.domain.channels import (
    LINK_CODE_TTL,
    TOPIC_OF_KIND,
    Channel,
    ChannelPreferences,
    Delivery,
    DeliveryOutcome,
    Topic,
    base_key,
    channel_key,
)
from backend.domain.messages import OutboxMessage
from backend.ports import Clock
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TelegramLink:
    """What the cabinet shows to link a chat: the deep link and its code."""

    code: str
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class ChannelState:
    """A tenant's channels as the cabinet shows them."""

    preferences: ChannelPreferences
    telegram_linked: bool
    telegram_username: str = ""
    telegram_blocked: bool = False


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def new_link_code(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    tenant_ids: Sequence[int],
    bot_username: str,
    email: str = "",
) -> TelegramLink:
    """A fresh one-time code for the tenant's rows (earlier unused ones stop working), asked
    for by the cabinet address ``email``: the chat it links gets that address's sign-in
    codes too."""
    code = secrets.token_urlsafe(16)
    now = clock.now()
    with uow(portal_id) as work:
        work.channels.add_link_code(
            portal_id, tenant_ids, _hash(code), now, now + LINK_CODE_TTL, email
        )
        work.commit()
    return TelegramLink(code, f"https://t.me/{bot_username}?start={code}", now + LINK_CODE_TTL)


def link_from_update(
    uow: UnitOfWorkFactory,
    clock: Clock,
    chat_id: str,
    text: str,
    username: str = "",
    language: str = "",
) -> str:
    """A message the bot received: ``/start <code>`` links the chat to the code's tenant.
    Returns the bot's answer: in the tenant's language once linked, else in the language
    of the user's Telegram app (``language``, the update's ``from.language_code``)."""
    _ = gettext_for(language)
    command, _sep, argument = text.strip().partition(" ")
    if command.split("@", 1)[0] != "/start":
        return _("I send a tenant's invoices and notices. Link this chat in the tenant cabinet.")
    code = argument.strip()
    now = clock.now()
    with uow(None) as work:
        won = work.channels.use_link_code(_hash(code), now) if code else None
        if won is None:
            work.commit()
            return _("This link is invalid or has expired. Get a new one in the tenant cabinet.")
        portal_id, tenant_ids = won.portal_id, won.tenant_ids
        for tenant_id in tenant_ids:
            work.channels.link_chat(portal_id, tenant_id, chat_id, username[:64], now, won.email)
        work.commit()
    with uow(portal_id) as work:
        work.audit.record(now, "telegram_linked", "tenant", tenant_ids[0], {"username": username})
        spoken = work.parties.tenant(tenant_ids[0]).language
        work.commit()
    _ = gettext_for(spoken or language)
    return _("Done: the landlord's invoices, reminders and notices will come to this chat.")


def channel_state(uow: UnitOfWork, portal_id: int, tenant_id: int) -> ChannelState:
    """The tenant's preferences and Telegram link, read in ``uow``."""
    chat = uow.channels.chat_state(portal_id, tenant_id)
    return ChannelState(
        preferences=uow.channels.preferences(portal_id, tenant_id),
        telegram_linked=chat is not None,
        telegram_username=chat[0] if chat else "",
        telegram_blocked=bool(chat and chat[1]),
    )


def save_preferences(
    uow: UnitOfWorkFactory,
    clock: Clock,
    portal_id: int,
    tenant_ids: Sequence[int],
    choices: dict[Topic, set[Channel]],
) -> ChannelPreferences:
    """Store the channels per topic of the tenant's rows (``InvalidPreferences`` for a choice
    that cannot stand, nothing stored then)."""
    with uow(portal_id) as work:
        preferences = work.channels.preferences(portal_id, tenant_ids[0])
        for topic, channels in choices.items():
            preferences = preferences.choose(topic, channels)
        for tenant_id in tenant_ids:
            work.channels.save_preferences(portal_id, tenant_id, preferences)
        details = {str(t): sorted(c) for t, c in preferences.choices.items()}
        work.audit.record(clock.now(), "channels_chosen", "tenant", tenant_ids[0], details)
        work.commit()
    return preferences


def unlink_telegram(
    uow: UnitOfWorkFactory, clock: Clock, portal_id: int, tenant_ids: Sequence[int]
) -> None:
    with uow(portal_id) as work:
        for tenant_id in tenant_ids:
            work.channels.unlink_chat(portal_id, tenant_id)
        work.audit.record(clock.now(), "telegram_unlinked", "tenant", tenant_ids[0])
        work.commit()


def queue_for_tenant(
    work: UnitOfWork, clock: Clock, message: OutboxMessage, tenant_id: int | None
) -> int:
    """Queue a tenant's message once per channel the tenant chose for its topic and can be
    reached by (email to ``message.recipients``; Telegram to the linked chat). When none of
    the chosen channels reaches the tenant, email does. Returns the rows queued."""
    portal_id = message.portal_id
    topic = TOPIC_OF_KIND.get(message.kind)
    if tenant_id is None or portal_id is None or topic is None:
        return int(work.outbox.add(message, clock.now()))
    # most tenants link no chat: then email it is, whatever they chose, in one lookup
    chat = work.channels.chat_of(portal_id, tenant_id)
    if chat is None:
        return int(work.outbox.add(message, clock.now())) if message.recipients else 0
    chosen = work.channels.preferences(portal_id, tenant_id).channels_for(topic)
    if Channel.TELEGRAM not in chosen:
        chat = None
    copies = []
    if Channel.EMAIL in chosen or chat is None:
        copies.append(message)
    if chat is not None:
        copies.append(
            replace(
                message,
                channel=Channel.TELEGRAM.value,
                dedup_key=channel_key(message.dedup_key, Channel.TELEGRAM),
                recipients=(chat,),
            )
        )
    return sum(int(work.outbox.add(copy, clock.now())) for copy in copies if copy.recipients)


def fall_back_to_email(
    work: UnitOfWork, clock: Clock, message: OutboxMessage, delivery: Delivery
) -> None:
    """A non-email copy its channel will not take: a blocked bot marks the chat blocked
    (nothing goes there until the tenant links again), and the message goes by email under
    the message's own key, so a tenant who also chose email gets it once."""
    if message.channel == Channel.EMAIL.value or message.portal_id is None:
        return
    chat_id = message.recipients[0] if message.recipients else ""
    if delivery.outcome is DeliveryOutcome.BLOCKED:
        tenants = work.channels.block_chat(chat_id, clock.now())
    else:
        tenants = work.channels.tenants_of_chat(chat_id)
    for portal_id, tenant_id in tenants:
        if portal_id != message.portal_id:
            continue
        emails = work.parties.tenant(tenant_id).emails
        if not emails:
            log.warning("tenant %s: %s undeliverable and no email", tenant_id, message.kind)
            continue
        email = replace(
            message,
            channel=Channel.EMAIL.value,
            dedup_key=base_key(message.dedup_key),
            recipients=tuple(emails),
        )
        work.outbox.add(email, clock.now())
