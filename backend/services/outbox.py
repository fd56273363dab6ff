"""Delivering the outbox: messages are rows first; this sends the due ones, once each.

A message is claimed (its next attempt pushed into the future) and committed before it is
sent, so two workers never send the same row; a worker killed mid-send leaves the claim to
expire and the message is tried again. Messages are claimed a batch at a time and go out
over one SMTP connection; each is recorded as sent (with its effects) in one transaction.
Temporary failures back off for more than 24 hours before the message is given up (DESIGN
"Notifications").

Each row goes by its ``channel``: email through the mailer, other channels (Telegram) through
the ones given; a channel's copy is its own row (``domain.channels.channel_key``), so a
message goes once per channel. A row its channel refuses for good (a blocked bot, a channel
not configured) falls back to email in the transaction that records the failure
(``channels.fall_back_to_email``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.domain.channels import Channel, Delivery, DeliveryOutcome
from backend.domain.errors import stored_id
from backend.domain.messages import Attachment, OutboxMessage
from backend.ports import (
    Clock,
    DocumentStorage,
    EmailChannel,
    FileMissing,
    Mailer,
    MailError,
    NotificationChannel,
)
from backend.services.channels import fall_back_to_email
from backend.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Waits after the 1st, 2nd, ... failed attempt: 27.9 hours in all, then the message fails.
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 120, 240, 240, 240, 240, 240, 240))
CLAIM = timedelta(minutes=10)  # a claimed message not marked by then is tried again

log = logging.getLogger(__name__)

SentHook = Callable[[UnitOfWork, OutboxMessage], object]


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    more: bool = False  # stopped at ``max_messages`` (or a claim running out): call again


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after ``attempts`` failed attempts; None once the window is spent."""
    return BACKOFF[attempts - 1] if 1 <= attempts <= len(BACKOFF) else None


def deliver_due(
    uow: UnitOfWorkFactory,
    clock: Clock,
    mailer: Mailer,
    files: DocumentStorage,
    limit: int = 100,
    on_sent: SentHook | None = None,
    max_messages: int = 5000,
    channels: Mapping[str, NotificationChannel] | None = None,
) -> DeliveryReport:
    """Send every message that is due, in batches of ``limit`` claimed in one transaction
    each, over one mailer connection; record each result as soon as it is known, so a worker
    killed mid-batch leaves at most the message in flight sent but unrecorded.

    ``on_sent(work, message)`` runs in the transaction that records a message as sent (its
    documents become "sent"); should it fail, the message is still recorded as sent. It runs
    for email rows only: the other channels' copies of a message repeat what email says.
    Stops after ``max_messages`` with ``more`` set, for the caller to queue the rest."""
    report = DeliveryReport()
    ways = {Channel.EMAIL.value: EmailChannel(mailer), **(channels or {})}
    try:
        while (done := len(report.sent) + len(report.retrying) + len(report.failed)) < max_messages:
            until, wanted = clock.now() + CLAIM, min(limit, max_messages - done)
            with uow(None) as work:
                batch = work.outbox.claim_due(clock.now(), until, wanted)
                work.commit()
            for n, message in enumerate(batch):
                if clock.now() >= until - CLAIM / 2:  # before another worker may take them
                    _release(uow, clock, batch[n:], until)
                    report.more = True
                    return report
                _deliver(uow, clock, ways, files, message, on_sent, report)
            if len(batch) < wanted:  # nothing more is due
                return report
        report.more = True
        return report
    finally:
        for channel in ways.values():
            channel.close()


def _deliver(
    uow: UnitOfWorkFactory,
    clock: Clock,
    ways: Mapping[str, NotificationChannel],
    files: DocumentStorage,
    message: OutboxMessage,
    on_sent: SentHook | None,
    report: DeliveryReport,
) -> None:
    """Send one claimed message (its attempts already count this one) and record the result."""
    message_id = stored_id(message.id, "outbox message")  # claimed rows are stored ones
    channel = ways.get(message.channel)
    try:
        attached = [(a, _read(files, a)) for a in message.attachments]
    except MailError as err:
        result = Delivery(DeliveryOutcome.FAILED, str(err))
    else:
        result = (
            channel.send(message, attached)
            if channel is not None
            else Delivery(DeliveryOutcome.FAILED, f"the {message.channel} channel is not set up")
        )
    if not result.sent:
        _failed(uow, clock, message, result, report)
        return
    sent_at = clock.now()
    try:
        with uow(message.portal_id) as work:
            work.outbox.mark_sent(message_id, sent_at)
            if on_sent is not None and message.channel == Channel.EMAIL.value:
                on_sent(work, message)
            work.commit()
    # whatever the hook raised, the message went out: record that, never send it again
    except Exception:
        log.exception("message %s was sent but recording its effects failed", message_id)
        with uow(None) as work:
            work.outbox.mark_sent(message_id, sent_at)
            work.commit()
    report.sent.append(message_id)


def _failed(
    uow: UnitOfWorkFactory,
    clock: Clock,
    message: OutboxMessage,
    result: Delivery,
    report: DeliveryReport,
) -> None:
    """Record a failed attempt: retried later (after the channel's ``retry_after`` at the
    earliest), or given up: a copy of another channel then falls back to email."""
    message_id = stored_id(message.id, "outbox message")
    delay = retry_delay(message.attempts) if result.outcome is DeliveryOutcome.RETRY else None
    if delay is not None and result.retry_after is not None:
        delay = max(delay, result.retry_after)
    retry_at = None if delay is None else clock.now() + delay
    try:
        with uow(message.portal_id if delay is None else None) as work:
            work.outbox.mark_failed(message_id, result.detail, retry_at)
            if delay is None:
                fall_back_to_email(work, clock, message, result)
            work.commit()
    # whatever the fallback raised, the failure is recorded: never send this row again
    except Exception:
        log.exception("message %s failed and its fallback could not be queued", message_id)
        with uow(None) as work:
            work.outbox.mark_failed(message_id, result.detail, retry_at)
            work.commit()
    (report.failed if delay is None else report.retrying).append(message_id)


def _release(
    uow: UnitOfWorkFactory, clock: Clock, messages: list[OutboxMessage], until: datetime
) -> None:
    with uow(None) as work:
        work.outbox.release([m.id for m in messages if m.id is not None], until, clock.now())
        work.commit()


def _read(files: DocumentStorage, attachment: Attachment) -> bytes:
    try:
        return b"".join(files.stream(attachment.storage_key))
    except FileMissing:
        raise MailError(
            f"attachment {attachment.name} is missing from storage", permanent=True
        ) from None
