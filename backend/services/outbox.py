"""Delivering the outbox: messages are rows first; this sends the due ones, once each.

A message is claimed (its next attempt pushed into the future) and committed before it is
sent, so two workers never send the same row; a worker killed mid-send leaves the claim to
expire and the message is tried again. Temporary failures back off for more than 24 hours
before the message is given up (DESIGN "Notifications").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from backend.domain.messages import Attachment, OutboxMessage
from backend.ports import Clock, Mailer, MailError
from backend.services.unit_of_work import UnitOfWorkFactory
from documents.storage import DocumentStorage, FileMissing

# Waits after the 1st, 2nd, ... failed attempt: 27.9 hours in all, then the message fails.
BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 30, 60, 120, 240, 240, 240, 240, 240, 240))
CLAIM = timedelta(minutes=10)  # a claimed message not marked by then is tried again


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after ``attempts`` failed attempts; None once the window is spent."""
    return BACKOFF[attempts - 1] if 1 <= attempts <= len(BACKOFF) else None


def deliver_due(
    uow: UnitOfWorkFactory,
    clock: Clock,
    mailer: Mailer,
    files: DocumentStorage,
    limit: int = 100,
    on_sent: Callable[[OutboxMessage], object] | None = None,
) -> DeliveryReport:
    """Send every message whose next attempt is due; record each result as it happens.
    ``on_sent`` runs after a message is recorded as sent (documents become "sent")."""
    report = DeliveryReport()
    with uow(None) as work:
        due = work.outbox.due(clock.now(), limit)
    for message in due:
        if message.id is None:  # rows from the store always have ids
            continue
        with uow(None) as work:
            claimed = work.outbox.claim(message.id, clock.now() + CLAIM)
            work.commit()
        if not claimed:
            continue  # another worker has it
        attempts = message.attempts + 1
        try:
            attached = [(a, _read(files, a)) for a in message.attachments]
            mailer.send(message, attached)
        except MailError as err:
            delay = None if err.permanent else retry_delay(attempts)
            with uow(None) as work:
                work.outbox.mark_failed(
                    message.id, str(err), None if delay is None else clock.now() + delay
                )
                work.commit()
            (report.failed if delay is None else report.retrying).append(message.id)
            continue
        with uow(None) as work:
            work.outbox.mark_sent(message.id, clock.now())
            work.commit()
        report.sent.append(message.id)
        if on_sent is not None:
            on_sent(message)
    return report


def _read(files: DocumentStorage, attachment: Attachment) -> bytes:
    try:
        return b"".join(files.stream(attachment.storage_key))
    except FileMissing:
        raise MailError(
            f"attachment {attachment.name} is missing from storage", permanent=True
        ) from None
