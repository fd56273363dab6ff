"""Small interfaces the services depend on; adapters implement them at the edges."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import IO, Protocol

from backend.domain.bulk import Located
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
