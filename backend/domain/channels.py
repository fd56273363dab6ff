"""Notification channels (email, Telegram) and a tenant's choice of them (seed 003,
"Мультиканальність": tenants get messages and reminders in messengers and by email).

Every message a tenant gets belongs to a ``Topic``; a tenant chooses, per topic, the
channels it goes by. Each channel's copy of a message is its own outbox row, keyed by the
message's dedup key and the channel (``channel_key``), so it is sent once per channel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from backend.domain.errors import DomainError


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class Topic(StrEnum):
    """What a message to a tenant is about; preferences are kept per topic."""

    DOCUMENTS = "documents"  # invoices and acts with their PDFs
    REMINDERS = "reminders"  # payment due, lease end, addendum start
    OVERDUE = "overdue"  # steps of the overdue chain
    REQUESTS = "requests"  # a request's status changed (заявки)
    ANNOUNCEMENTS = "announcements"  # the landlord's announcements (повідомлення)


# the outbox ``kind`` of each tenant message (billing_mail, notifications, requests, ...)
TOPIC_OF_KIND: Mapping[str, Topic] = {
    "tenant_documents": Topic.DOCUMENTS,
    "payment_due": Topic.REMINDERS,
    "lease_end": Topic.REMINDERS,
    "addendum_start": Topic.REMINDERS,
    "overdue": Topic.OVERDUE,
    "request_status": Topic.REQUESTS,
    "announcement": Topic.ANNOUNCEMENTS,
}
# documents go by email whatever else is chosen: the lease's auto-send promises them there
EMAIL_REQUIRED = frozenset({Topic.DOCUMENTS})
LINK_CODE_TTL = timedelta(minutes=15)  # a deep-link code not used by then is dead


@dataclass(frozen=True)
class SpentLinkCode:
    """A link code just used: the tenant rows it links and the cabinet address that asked
    for it (whose sign-in codes the chat may receive)."""

    portal_id: int
    tenant_ids: tuple[int, ...]
    email: str = ""


class InvalidPreferences(DomainError):
    """A choice of channels that cannot stand (no channel at all, documents without email)."""


@dataclass(frozen=True)
class ChannelPreferences:
    """Per topic, the channels a tenant wants; a topic not chosen goes by every channel the
    tenant has (email always; Telegram once linked)."""

    choices: Mapping[Topic, frozenset[Channel]] = field(default_factory=dict)

    def channels_for(self, topic: Topic) -> frozenset[Channel]:
        return self.choices.get(topic, frozenset(Channel))

    def choose(self, topic: Topic, channels: Iterable[Channel]) -> ChannelPreferences:
        """These preferences with ``topic`` going by ``channels``; refuses an empty choice and
        documents without email."""
        chosen = frozenset(channels)
        if not chosen:
            raise InvalidPreferences(f"{topic}: choose at least one channel")
        if topic in EMAIL_REQUIRED and Channel.EMAIL not in chosen:
            raise InvalidPreferences(f"{topic}: documents always go by email")
        return ChannelPreferences({**self.choices, topic: chosen})


def channel_key(dedup_key: str, channel: Channel) -> str:
    """The outbox key of ``channel``'s copy: the email copy keeps the message's own key."""
    return dedup_key if channel is Channel.EMAIL else f"{dedup_key}|{channel}"


def base_key(key: str) -> str:
    """The message's own key of a channel copy's key (``channel_key`` undone)."""
    head, sep, tail = key.rpartition("|")
    return head if sep and tail in set(Channel) else key


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a temporary failure: try again later (after ``retry_after`` if given)
    FAILED = "failed"  # permanent: this channel will never take it
    BLOCKED = "blocked"  # the recipient shut the channel (a bot blocked): fall back


@dataclass(frozen=True)
class Delivery:
    """What a channel says after trying to send one message."""

    outcome: DeliveryOutcome
    detail: str = ""
    retry_after: timedelta | None = None

    @property
    def sent(self) -> bool:
        return self.outcome is DeliveryOutcome.SENT
