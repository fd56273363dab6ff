"""Email delivery: over SMTP (``SMTP_URL``) or, with none configured, as .eml files on disk.

Tenant mail goes out as ``Robot {landlord} <MAIL_FROM_ADDRESS>`` with ``Reply-To`` set to the
landlord's address, so a tenant who presses "Reply" writes to the landlord (seed 000,
"E-mail отправителя счетов и актов арендаторам").
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from backend.domain.messages import Attachment, OutboxMessage
from backend.mail.mime import compose
from backend.ports import MailError

if TYPE_CHECKING:
    from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpUrl:
    """``smtp://user:pass@host:587?starttls=1`` or ``smtps://user:pass@host:465``."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)  # never printed, not even in a traceback's repr
    implicit_tls: bool
    starttls: bool

    @classmethod
    def parse(cls, url: str) -> SmtpUrl:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise ValueError(f"SMTP_URL must start with smtp:// or smtps://, got {parts.scheme!r}")
        if not parts.hostname:
            raise ValueError("SMTP_URL has no host")
        query = parse_qs(parts.query)
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            implicit_tls=implicit,
            starttls=query.get("starttls", ["0"])[0] in {"1", "true", "yes"},
        )


class _Tracked(smtplib.SMTP):
    """An SMTP client that notes whether the current message's DATA has begun: before that,
    the server has nothing it could deliver, so the message may go again on a new connection."""

    data_started = False

    def data(self, msg: Buffer | str) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)


class _TrackedSsl(_Tracked, smtplib.SMTP_SSL):
    pass


class SmtpMailer:
    """Sends through an SMTP server; 4xx and connection trouble are temporary, 5xx refusals of
    every recipient permanent.

    One connection (EHLO, STARTTLS, AUTH once) serves every message until ``close()``; a kept
    connection the server dropped before a message began is replaced once, so the message is
    not lost, and never after its DATA began, so it is not sent twice."""

    def __init__(self, url: str, from_address: str) -> None:
        self.url = SmtpUrl.parse(url)
        self.from_address = from_address
        self._server: _Tracked | None = None
        self._tls: ssl.SSLContext | None = None  # loading the CA store costs ~20 ms: once

    def send(self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]) -> None:
        mail = compose(message, files, self.from_address)
        try:
            self._deliver(mail, list(message.recipients))
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            raise MailError(
                f"recipients refused: {err.recipients}", permanent=all(c >= 500 for c in codes)
            ) from err
        except smtplib.SMTPResponseException as err:
            text = (
                err.smtp_error.decode(errors="replace")
                if isinstance(err.smtp_error, bytes)
                else str(err.smtp_error)
            )
            raise MailError(
                f"SMTP {err.smtp_code}: {text}",
                permanent=err.smtp_code >= 500 and err.smtp_code != 554,
            ) from err
        except (OSError, smtplib.SMTPException) as err:
            self.close()
            raise MailError(f"SMTP server unreachable: {err}") from err

    def close(self) -> None:
        """Say QUIT and drop the connection (the next ``send`` opens a new one)."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()

    def _deliver(self, mail: bytes, recipients: list[str]) -> None:
        reused = self._server is not None
        server = self._server or self._open()
        server.data_started = False
        try:
            server.sendmail(self.from_address, recipients, mail)
        except OSError as err:  # smtplib's errors are OSErrors too
            if not _connection_lost(err):
                raise
            self.close()
            if not reused or server.data_started:
                raise
            # the kept connection went away before this message began: once on a new one
            self._open().sendmail(self.from_address, recipients, mail)

    def _open(self) -> _Tracked:
        server: _Tracked
        if self.url.implicit_tls:
            server = _TrackedSsl(
                self.url.host, self.url.port, timeout=TIMEOUT_SECONDS, context=self._context()
            )
        else:
            server = _Tracked(self.url.host, self.url.port, timeout=TIMEOUT_SECONDS)
        try:
            if self.url.starttls:
                server.starttls(context=self._context())
            if self.url.user:
                server.login(self.url.user, self.url.password)
        except BaseException:
            server.close()
            raise
        self._server = server
        return server

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls


def _connection_lost(err: OSError) -> bool:
    """The connection is gone (a socket error, a hang-up, a 421 "closing"), not a refusal."""
    if isinstance(err, smtplib.SMTPResponseException):
        return err.smtp_code == 421
    return isinstance(err, smtplib.SMTPServerDisconnected) or not isinstance(
        err, smtplib.SMTPException
    )


class EmlDirMailer:
    """With no SMTP server configured, each message becomes ``<dir>/<id>-<key>.eml``."""

    def __init__(self, directory: Path, from_address: str) -> None:
        self.directory = directory
        self.from_address = from_address

    def send(self, message: OutboxMessage, files: Sequence[tuple[Attachment, bytes]]) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in message.dedup_key)[:120]
        path = self.directory / f"{message.id or 0:08d}-{safe}.eml"
        data = compose(message, files, self.from_address)
        # a tenant's documents and address: readable by rentflow's user only, whatever the umask
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(data)

    def close(self) -> None:
        """Nothing is kept open between messages."""


def mailer_for(smtp_url: str, from_address: str, outbox_dir: Path) -> SmtpMailer | EmlDirMailer:
    """The mailer the settings ask for."""
    return (
        SmtpMailer(smtp_url, from_address) if smtp_url else EmlDirMailer(outbox_dir, from_address)
    )
