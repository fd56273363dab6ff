"""The outbox over a real SMTP server (aiosmtpd): once each, retried while down, never twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from backend.bootstrap import Container
from backend.domain.messages import Attachment, MessageStatus, OutboxMessage
from backend.mail.smtp import EmlDirMailer, SmtpMailer, SmtpUrl
from backend.ports import FixedClock
from backend.services.outbox import BACKOFF, deliver_due, retry_delay
from documents.storage import FileMissing
from tests.smtp_sink import smtp_sink

PDF = b"%PDF-1.7 fake but bytes"


class Blobs(dict[str, bytes]):
    """An in-memory ``DocumentStorage``."""

    def put(self, key: str, content: bytes) -> None:
        self[key] = content

    def stream(self, key: str) -> Iterator[bytes]:
        if key not in self:
            raise FileMissing(key)
        yield self[key]

    def size(self, key: str) -> int:
        return len(self[key])

    def delete(self, key: str) -> None:
        self.pop(key, None)


def _queue(container: Container, key: str, **overrides: object) -> None:
    values: dict[str, object] = {
        "dedup_key": key,
        "recipients": ("buh@vasilek.example", "director@vasilek.example"),
        "subject": "Счёт № 15 от 25.02.2026",
        "body_text": "Добрый день! Счёт во вложении: http://127.0.0.1:8000/d/abc",
        "sender_name": 'ООО "Ромашка"',
        "reply_to": "rent@romashka.example",
        "attachments": (Attachment("Счёт № 15.pdf", "docs/15.pdf"),),
    }
    values.update(overrides)
    with container.uow() as uow:
        uow.outbox.add(OutboxMessage(**values), container.clock.now())  # type: ignore[arg-type]
        uow.commit()


def test_messages_are_sent_once_with_robot_sender_reply_to_and_attachments(
    container: Container,
) -> None:
    _queue(container, "invoice:15:tenant")
    _queue(container, "invoice:15:tenant")  # the same key again: still one message
    with smtp_sink() as (sink, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        first = deliver_due(container.uow, container.clock, mailer, Blobs({"docs/15.pdf": PDF}))
        again = deliver_due(container.uow, container.clock, mailer, Blobs({"docs/15.pdf": PDF}))
    assert len(first.sent) == 1
    assert again.sent == []
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    (sender,) = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        'Robot ООО "Ромашка"',
        "robot@rentflow.local",
    )
    assert mail["Reply-To"] == "rent@romashka.example"
    assert sink.envelopes[0] == (
        "robot@rentflow.local",
        ["buh@vasilek.example", "director@vasilek.example"],
    )
    assert mail["Subject"] == "Счёт № 15 от 25.02.2026"
    attachment = next(mail.iter_attachments())
    assert attachment.get_filename() == "Счёт № 15.pdf"
    assert attachment.get_content() == PDF
    assert "http://127.0.0.1:8000/d/abc" in mail.get_body(("plain",)).get_content()


def test_smtp_down_then_up_delivers_everything_once(
    container: Container, clock: FixedClock
) -> None:
    for n in range(3):
        _queue(container, f"summary:{n}", attachments=())
    with smtp_sink() as (sink, port):
        pass  # the server is gone: the port refuses connections
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
    down = deliver_due(container.uow, clock, mailer, Blobs())
    assert len(down.retrying) == 3
    assert deliver_due(container.uow, clock, mailer, Blobs()).retrying == []  # not due yet
    clock.set(clock.now() + BACKOFF[0])
    with smtp_sink(port) as (sink, _):
        up = deliver_due(container.uow, clock, mailer, Blobs())
        deliver_due(container.uow, clock, mailer, Blobs())
    assert len(up.sent) == 3
    assert sorted(m["X-Rentflow-Key"] for m in sink.messages) == [
        "summary:0",
        "summary:1",
        "summary:2",
    ]
    with container.uow() as uow:
        assert [m.attempts for m in uow.outbox.list(status=MessageStatus.SENT)] == [2, 2, 2]


def test_a_temporary_refusal_is_retried_for_more_than_a_day_then_given_up(
    container: Container, clock: FixedClock
) -> None:
    _queue(container, "reminder:1", attachments=())
    assert sum(BACKOFF, timedelta()) > timedelta(hours=24)
    with smtp_sink() as (sink, port):
        sink.refuse = "451 4.3.0 try later"
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        for _ in BACKOFF:
            assert deliver_due(container.uow, clock, mailer, Blobs()).retrying != []
            clock.set(clock.now() + timedelta(hours=5))
        last = deliver_due(container.uow, clock, mailer, Blobs())
    assert len(last.failed) == 1
    with container.uow() as uow:
        (message,) = uow.outbox.list()
    assert message.status is MessageStatus.FAILED
    assert "451" in message.last_error
    assert sink.messages == []


def test_a_missing_attachment_fails_the_message_with_a_clear_error(container: Container) -> None:
    _queue(container, "invoice:16:tenant")
    with smtp_sink() as (sink, port):
        report = deliver_due(
            container.uow,
            container.clock,
            SmtpMailer(f"smtp://127.0.0.1:{port}", "r@x.example"),
            Blobs(),
        )
    assert len(report.failed) == 1
    with container.uow() as uow:
        assert "missing from storage" in uow.outbox.list()[0].last_error
    assert sink.messages == []


def test_without_smtp_messages_become_eml_files(container: Container, tmp_path: object) -> None:
    from pathlib import Path

    directory = Path(str(tmp_path)) / "outbox"
    _queue(container, "invoice:17:tenant")
    deliver_due(
        container.uow,
        container.clock,
        EmlDirMailer(directory, "robot@rentflow.local"),
        Blobs({"docs/15.pdf": PDF}),
    )
    (eml,) = directory.glob("*.eml")
    assert b"Reply-To: rent@romashka.example" in eml.read_bytes()


def test_smtp_urls() -> None:
    secure = SmtpUrl.parse("smtps://user%40corp:p%3Ass@mail.example:465")
    assert (secure.host, secure.port, secure.user, secure.password, secure.implicit_tls) == (
        "mail.example", 465, "user@corp", "p:ss", True,
    )  # fmt: skip
    assert SmtpUrl.parse("smtp://mail.example?starttls=1").starttls
    assert retry_delay(len(BACKOFF) + 1) is None
    with pytest.raises(ValueError, match="smtp:// or smtps://"):
        SmtpUrl.parse("http://mail.example")
