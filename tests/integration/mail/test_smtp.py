"""``SmtpMailer`` over a real SMTP server (aiosmtpd): one connection for many messages, a
dropped one replaced before a message begins, never a message sent twice."""

from __future__ import annotations

import pytest

from backend.domain.messages import Attachment, OutboxMessage
from backend.mail.smtp import SmtpMailer
from backend.ports import MailError
from tests.smtp_sink import smtp_sink

PDF = b"%PDF-1.7 fake but bytes"


def _message(n: int, *recipients: str) -> tuple[OutboxMessage, list[tuple[Attachment, bytes]]]:
    attachment = Attachment(f"Счёт № {n}.pdf", f"docs/{n}.pdf")
    message = OutboxMessage(
        f"invoice:{n}:tenant", recipients or ("buh@vasilek.example",), f"Счёт № {n}", "Текст",
        sender_name='ООО "Ромашка"', attachments=(attachment,), id=n,
    )  # fmt: skip
    return message, [(attachment, PDF)]


def test_one_connection_serves_every_message_until_closed() -> None:
    with smtp_sink() as (sink, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        for n in range(4):
            mailer.send(*_message(n))
        mailer.close()
        mailer.send(*_message(4))
        mailer.close()
    assert [m["X-Rentflow-Key"] for m in sink.messages] == [f"invoice:{n}:tenant" for n in range(5)]
    assert len(set(sink.peers[:4])) == 1
    assert sink.peers[4] != sink.peers[0]


def test_a_connection_the_server_dropped_between_messages_is_replaced_and_nothing_doubles() -> None:
    with smtp_sink() as (first, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        mailer.send(*_message(1))
    with smtp_sink(port) as (second, _):  # the server restarted: the kept connection is dead
        mailer.send(*_message(2))
        mailer.send(*_message(3))
        mailer.close()
    assert [m["X-Rentflow-Key"] for m in first.messages] == ["invoice:1:tenant"]
    assert [m["X-Rentflow-Key"] for m in second.messages] == [
        "invoice:2:tenant",
        "invoice:3:tenant",
    ]
    assert len(set(second.peers)) == 1


def test_a_connection_lost_after_the_data_began_is_not_sent_again_at_once() -> None:
    with smtp_sink() as (sink, port):
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        mailer.send(*_message(1))
        sink.hang_up = True
        with pytest.raises(MailError) as lost:
            mailer.send(*_message(2))
        sink.hang_up = False
        mailer.send(*_message(3))  # the next message gets a new connection
        mailer.close()
    assert not lost.value.permanent
    assert sink.hung_up == 1  # the message reached the server once; the outbox retries it later
    assert [m["X-Rentflow-Key"] for m in sink.messages] == ["invoice:1:tenant", "invoice:3:tenant"]


def test_a_refused_mailbox_fails_its_message_and_the_connection_goes_on() -> None:
    with smtp_sink() as (sink, port):
        sink.refuse_recipients = {"gone@vasilek.example"}
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "robot@rentflow.local")
        mailer.send(*_message(1))
        with pytest.raises(MailError) as refused:
            mailer.send(*_message(2, "gone@vasilek.example"))
        mailer.send(*_message(3))
        mailer.close()
    assert refused.value.permanent
    assert [m["X-Rentflow-Key"] for m in sink.messages] == ["invoice:1:tenant", "invoice:3:tenant"]
    assert len(set(sink.peers)) == 1
