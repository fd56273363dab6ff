"""Small interfaces the services depend on; adapters implement them at the edges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Protocol

from backend.domain.channels import Channel, Delivery, DeliveryOutcome
from backend.domain.messages import Attachment, OutboxMessage


class Clock(Protocol):
    """Where services get "now" from, so tests control time without sleeping."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...

    def today(self) -> date:
        """Today's date in UTC (billing runs at 00:00 UTC, seed 000)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()

    def set(self, moment: datetime) -> None:
        self.moment = moment


class MailError(Exception):
    """Sending failed. ``permanent`` failures (a refused mailbox) are not retried."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Mailer(Protocol):
    """Delivers one outbox message with its attachments, or raises ``MailError``; may keep a
    connection open for the next message until ``close()``."""

    def send(self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]) -> None: ...
    def close(self) -> None: ...


class NotificationChannel(Protocol):
    """One way a message reaches a person (email, Telegram): sends one outbox message with
    its attachments and says how it went (``Delivery``), never raising for a refusal; may keep
    a connection open until ``close()``."""

    name: str

    def send(
        self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]
    ) -> Delivery: ...
    def close(self) -> None: ...


class EmailChannel:
    """Email as a notification channel: a ``Mailer`` (SMTP or .eml files) whose ``MailError``
    becomes a delivery result."""

    name = Channel.EMAIL.value

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def send(self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]) -> Delivery:
        try:
            self.mailer.send(message, files)
        except MailError as err:
            outcome = DeliveryOutcome.FAILED if err.permanent else DeliveryOutcome.RETRY
            return Delivery(outcome, str(err))
        return Delivery(DeliveryOutcome.SENT)

    def close(self) -> None:
        self.mailer.close()
