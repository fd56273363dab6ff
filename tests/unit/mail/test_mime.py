"""The MIME bytes ``backend.mail.mime.compose`` writes, read back by the standard parser."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from backend.domain.messages import Attachment, OutboxMessage
from backend.mail.mime import compose
from backend.ports import MailError

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 300 + b"\n.\n.. a line that is a dot\n"


def _parsed(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [part.defects for part in parsed.walk()] == [[] for _ in parsed.walk()]
    return parsed


def test_a_tenant_email_reads_back_with_its_headers_bodies_and_attachments() -> None:
    subject = "Документы по договору № 15/2026: счёт № 101, акт № 102 — " * 3
    attachments = (
        Attachment("Счет на оплату № 101 от 25.02.2026.pdf", "a"),
        Attachment("Акт № 102.pdf", "b"),
    )
    message = OutboxMessage(
        "tenant:1:2:ab", ("buh@vasilek.example", "director@vasilek.example"), subject,
        "Добрый день!\nСсылка: http://127.0.0.1:8000/d/abc\n", body_html="<p>Добрый день!</p>",
        sender_name='ООО "Ромашка"', reply_to="rent@romashka.example", attachments=attachments,
    )  # fmt: skip
    raw = compose(message, [(attachments[0], PDF), (attachments[1], b"act")], "robot@x.example")
    mail = _parsed(raw)
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    (sender,) = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ('Robot ООО "Ромашка"', "robot@x.example")
    assert mail["To"] == "buh@vasilek.example, director@vasilek.example"
    assert mail["Reply-To"] == "rent@romashka.example"
    assert mail["Subject"] == subject
    assert mail["X-Rentflow-Key"] == "tenant:1:2:ab"
    assert mail["Message-ID"].endswith("@x.example>")
    assert mail.get_body(("plain",)).get_content() == message.body_text
    assert mail.get_body(("html",)).get_content() == "<p>Добрый день!</p>"
    got = [
        (a.get_filename(), a.get_content_type(), a.get_content()) for a in mail.iter_attachments()
    ]
    assert got == [
        ("Счет на оплату № 101 от 25.02.2026.pdf", "application/pdf", PDF),
        ("Акт № 102.pdf", "application/pdf", b"act"),
    ]


def test_a_message_without_attachments_is_one_text_part() -> None:
    mail = _parsed(
        compose(OutboxMessage("k", ("a@x.example",), "Hello", "Text"), [], "r@x.example")
    )
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content() == "Text"
    assert mail["From"] == "rentflow <r@x.example>"


def test_a_mailbox_that_is_not_ascii_fails_for_good() -> None:
    message = OutboxMessage("k", ("бухгалтер@почта.рф",), "Счёт", "Текст")
    with pytest.raises(MailError) as error:
        compose(message, [], "r@x.example")
    assert error.value.permanent
