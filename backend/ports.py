"""Small interfaces the services depend on; adapters implement them at the edges."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import IO, Protocol

from backend.domain.bulk import Located
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


class SourceUnavailable(Exception):
    """An import file could not be read: the server is unreachable, refused, or sent too
    much."""


class SourceReader(Protocol):
    """Fetches import files (``backend.bulk.sources`` does HTTP(S), SFTP and FTP)."""

    def fetch(self, url: str) -> IO[bytes]:
        """The file's bytes, spooled to a local temporary file; raises SourceUnavailable."""
        ...

    def remove(self, url: str) -> None:
        """Delete the file at its source (SFTP/FTP); raises SourceUnavailable."""
        ...


RecordReader = Callable[[IO[bytes]], Iterator[Located]]  # an import file's records, in order


class Tasks(Protocol):
    """The background work the web app, the CLI and the services queue for a worker (``jobs``),
    by what it is for rather than by a Celery task name. Queue after the commit, never before:
    the worker reads what the request wrote. Each task takes ids, not objects."""

    def deal_changed(self, portal_id: int, deal_id: str) -> None:
        """A CRM deal (a Bitrix24 deal, an amoCRM lead) changed: let its stage drive the lease."""
        ...

    def deals_changed(self, portal_id: int, deal_ids: Sequence[str]) -> None:
        """``deal_changed`` for each of ``deal_ids`` (one webhook naming several), stored in
        one write: all queued or none."""
        ...

    def robot_fired(self, portal_id: int, code: str, deal_id: str, event_token: str) -> None:
        """A Bitrix24 robot fired: do its work and return its values to the business process."""
        ...

    def deal_action(self, portal_id: int, deal_id: str, action: str) -> None:
        """An amoCRM digital-pipeline action on a lead (issue an invoice or act, send)."""
        ...

    def document_issued(self, portal_id: int, document_id: int) -> None:
        """Tell the deal about an issued invoice or act."""
        ...

    def lease_event(self, portal_id: int, document_id: int, event: str) -> None:
        """Move the deal for a recorded lease event (paid, invoice sent, act sent, overdue)."""
        ...

    def payment_news(self, portal_id: int, news: list[tuple[int, str]]) -> None:
        """Write the deals' debt and a note on money placed on or taken off their leases
        (``services.payment_news``: [(lease id, note text)])."""
        ...

    def billing_run(self) -> None:
        """The billing run of every active portal, for today."""
        ...

    def billing_run_portal(self, portal_id: int, day: str) -> None:
        """One portal's billing run for ``day`` (ISO date)."""
        ...

    def import_portal(self, portal_id: int, trigger: str) -> None:
        """Fetch and import the portal's configured import files."""
        ...

    def contacts_changed(self, portal_id: int, tenant_ids: list[int]) -> None:
        """A tenant edited their contacts in the cabinet: write them to the CRM's company or
        contact of each of their deals."""
        ...

    def deliver_outbox(self) -> None:
        """Send the outbox messages that are due (a sign-in code, at once)."""
        ...

    def request_task(self, portal_id: int, request_id: int) -> None:
        """A tenant filed a request: create its task on the lease's deal in the CRM."""
        ...

    def request_task_changed(self, portal_id: int, task_id: str) -> None:
        """A request's CRM task changed (Bitrix24 ONTASKUPDATE, amoCRM ``update_task``): read
        it back."""
        ...

    def request_answered(self, portal_id: int, request_id: int) -> None:
        """A request was answered in rentflow (in work, done): its CRM task follows."""
        ...


class StorageKeyError(ValueError):
    """A key that is not a plain relative path (``..``, absolute, odd characters)."""


class FileMissing(LookupError):
    """No file is stored under the key."""


class DocumentStorage(Protocol):
    """Where rentflow keeps files by key (``12/345/invoice-1a2b.pdf``, ``onec/12/...xml``):
    rendered documents, 1C exports, the files mail attaches. A write is atomic: a reader sees
    the old file or the new one, never half of it. ``documents.storage.LocalDiskStorage`` is
    the local disk; an S3-compatible store implements the same methods."""

    def put(self, key: str, content: bytes) -> None:
        """Store ``content`` under ``key``, replacing what was there, never half-written."""
        ...

    def stream(self, key: str) -> Iterator[bytes]:
        """The file's bytes in chunks; ``FileMissing`` before the first chunk."""
        ...

    def size(self, key: str) -> int: ...
    def delete(self, key: str) -> None: ...
    def stored(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Each file under the folder ``prefix`` with when it was last written (UTC)."""
        ...
