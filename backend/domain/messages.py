"""Outgoing messages (email today; the channel is a field so SMS/Telegram can follow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class MessageStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry window


@dataclass(frozen=True)
class Attachment:
    name: str
    storage_key: str
    mime: str = "application/pdf"


@dataclass(frozen=True)
class OutboxMessage:
    """A message to send once: ``dedup_key`` (what + whom + date) keeps it single."""

    dedup_key: str
    recipients: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str = ""
    kind: str = ""
    sender_name: str = ""
    reply_to: str = ""
    attachments: tuple[Attachment, ...] = ()
    channel: str = "email"
    portal_id: int | None = None
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    sent_at: datetime | None = None
    id: int | None = None
    extra: dict[str, str] = field(default_factory=dict)
