"""The outbox over a real SMTP server (aiosmtpd): once each, retried while down, never twice."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from backend.bootstrap import Container
from backend.domain.messages import Attachment, MessageStatus, OutboxMessage
from backend.mail.smtp import EmlDirMailer, SmtpMailer, SmtpUrl
from backend.ports import FixedClock
from backend.services.outbox import BACKOFF, CLAIM, deliver_due, retry_delay
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


def _mailer(port: int) -> SmtpMailer:
    return SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")


def test_a_batch_goes_over_one_connection_and_one_bad_message_does_not_stop_it(
    container: Container,
) -> None:
    for n in range(5):
        recipients = ("gone@vasilek.example",) if n == 1 else ("buh@vasilek.example",)
        attachments = () if n == 3 else (Attachment("Счёт.pdf", "docs/15.pdf"),)
        _queue(container, f"k:{n}", recipients=recipients, attachments=attachments)
    _queue(container, "k:missing", attachments=(Attachment("Акт.pdf", "docs/none.pdf"),))
    with smtp_sink() as (sink, port):
        sink.refuse_recipients = {"gone@vasilek.example"}
        report = deliver_due(
            container.uow, container.clock, _mailer(port), Blobs({"docs/15.pdf": PDF}), limit=2
        )
    assert (len(report.sent), len(report.failed), report.more) == (4, 2, False)
    assert [m["X-Rentflow-Key"] for m in sink.messages] == ["k:0", "k:2", "k:3", "k:4"]
    assert len(set(sink.peers)) == 1  # three batches of two, one SMTP connection
    with container.uow() as uow:
        failed = uow.outbox.list(status=MessageStatus.FAILED)
    assert sorted(m.dedup_key for m in failed) == ["k:1", "k:missing"]


def test_a_server_restarted_mid_batch_gets_the_rest_on_a_new_connection_and_none_twice(
    container: Container,
) -> None:
    for n in range(4):
        _queue(container, f"k:{n}", attachments=())
    first = smtp_sink()
    sink, port = first.__enter__()
    restarted = smtp_sink(port)
    sinks = [sink]

    def restart_after_the_first(work: object, message: OutboxMessage) -> None:
        if len(sinks) == 1:
            first.__exit__(None, None, None)
            sinks.append(restarted.__enter__()[0])

    try:
        report = deliver_due(
            container.uow, container.clock, _mailer(port), Blobs(),
            on_sent=restart_after_the_first,
        )  # fmt: skip
        again = deliver_due(container.uow, container.clock, _mailer(port), Blobs())
    finally:
        restarted.__exit__(None, None, None)
    assert len(report.sent) == 4
    assert again.sent == again.retrying == []
    assert [m["X-Rentflow-Key"] for m in sinks[0].messages] == ["k:0"]
    assert [m["X-Rentflow-Key"] for m in sinks[1].messages] == ["k:1", "k:2", "k:3"]


def test_a_message_whose_effects_fail_to_record_is_still_sent_once(container: Container) -> None:
    _queue(container, "k:1", attachments=())

    def broken(work: object, message: OutboxMessage) -> None:
        raise RuntimeError("documents_mailed broke")

    with smtp_sink() as (sink, port):
        report = deliver_due(container.uow, container.clock, _mailer(port), Blobs(), on_sent=broken)
        again = deliver_due(container.uow, container.clock, _mailer(port), Blobs())
    assert (len(report.sent), again.sent, len(sink.messages)) == (1, [], 1)
    with container.uow() as uow:
        assert [m.dedup_key for m in uow.outbox.list(status=MessageStatus.SENT)] == ["k:1"]


@pytest.mark.both_databases
def test_a_claimed_batch_is_not_claimed_again_until_the_claim_runs_out(
    container: Container, clock: FixedClock
) -> None:
    for n in range(3):
        _queue(container, f"k:{n}", attachments=())
    now = clock.now()
    with container.uow() as uow:
        mine = uow.outbox.claim_due(now, now + CLAIM, limit=2)
        uow.commit()
    with container.uow() as uow:
        theirs = uow.outbox.claim_due(now, now + CLAIM, limit=5)
        uow.commit()
    assert [m.dedup_key for m in mine] == ["k:0", "k:1"]
    assert [m.attempts for m in mine] == [1, 1]
    assert [m.dedup_key for m in theirs] == ["k:2"]
    with container.uow() as uow:
        assert uow.outbox.claim_due(now, now + CLAIM) == []
        uow.outbox.release([m.id or 0 for m in mine], now + CLAIM, now)
        uow.commit()
    with container.uow() as uow:
        back = uow.outbox.claim_due(now, now + CLAIM)
    assert [(m.dedup_key, m.attempts) for m in back] == [("k:0", 1), ("k:1", 1)]


@pytest.mark.both_databases
def test_a_batch_whose_claim_runs_short_gives_the_rest_back_untried(
    container: Container, clock: FixedClock
) -> None:
    for n in range(3):
        _queue(container, f"k:{n}", attachments=())

    def slow(work: object, message: OutboxMessage) -> None:
        clock.set(clock.now() + CLAIM / 2)  # as if the server took five minutes

    with smtp_sink() as (sink, port):
        report = deliver_due(container.uow, clock, _mailer(port), Blobs(), on_sent=slow)
        rest = deliver_due(container.uow, clock, _mailer(port), Blobs())
    assert (len(report.sent), report.more, len(rest.sent)) == (1, True, 2)
    assert [m["X-Rentflow-Key"] for m in sink.messages] == ["k:0", "k:1", "k:2"]
    with container.uow() as uow:
        assert [m.attempts for m in uow.outbox.list(status=MessageStatus.SENT)] == [1, 1, 1]


def test_a_call_stops_at_max_messages_and_says_more_is_left(container: Container) -> None:
    for n in range(3):
        _queue(container, f"k:{n}", attachments=())
    with smtp_sink() as (sink, port):
        first = deliver_due(container.uow, container.clock, _mailer(port), Blobs(), max_messages=2)
        second = deliver_due(container.uow, container.clock, _mailer(port), Blobs())
    assert (len(first.sent), first.more, len(second.sent), second.more) == (2, True, 1, False)
    assert len(sink.messages) == 3


@pytest.mark.both_databases
def test_two_workers_delivering_at_once_send_each_message_once(container: Container) -> None:
    for n in range(30):
        _queue(container, f"k:{n}")
    files = Blobs({"docs/15.pdf": PDF})
    with smtp_sink() as (sink, port), ThreadPoolExecutor(2) as pool:
        reports = list(
            pool.map(
                lambda _: deliver_due(
                    container.uow, container.clock, _mailer(port), files, limit=5
                ),
                range(2),
            )
        )
    keys = [m["X-Rentflow-Key"] for m in sink.messages]
    assert sorted(keys) == sorted(f"k:{n}" for n in range(30))  # each once
    assert sum(len(r.sent) for r in reports) == 30
