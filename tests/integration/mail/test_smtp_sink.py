"""The test SMTP sink (``sandbox.smtp_sink``) keeps what arrives as bytes and parses it only
when ``messages`` is read: not on the server's loop, and not when a new connection comes. It
reads a message's data in blocks and keeps SMTP's rules for it (RFC 5321)."""

from __future__ import annotations

import email.policy
import smtplib
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from sandbox import smtp_sink as sink_module
from sandbox.loopback import free_port
from tests.smtp_sink import smtp_sink


def test_new_connections_do_not_parse_what_arrived(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bytes] = []

    class CountingParser(BytesParser):
        def parsebytes(self, text: Any, headersonly: bool = False) -> Any:
            parsed.append(bytes(text))
            return super().parsebytes(text, headersonly)

    monkeypatch.setattr(sink_module, "BytesParser", CountingParser)
    with smtp_sink() as (sink, port):
        for n in range(3):  # a connection each: aiosmtpd looks its handler over every time
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
                client.sendmail("robot@rentflow.local", ["buh@vasilek.example"],
                                f"Subject: {n}\r\n\r\nbody {n}\r\n")  # fmt: skip
        assert sink.received() == 3
        assert parsed == []
        assert [m["Subject"] for m in sink.messages] == ["0", "1", "2"]
    assert len(parsed) == 3


def _send(port: int, *messages: bytes) -> list[int]:
    """Send each message on one connection, without SIZE in MAIL FROM (so a limit is met at
    DATA); the code each DATA was answered with."""
    codes: list[int] = []
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        for message in messages:
            client.mail("robot@rentflow.local")
            client.rcpt("buh@vasilek.example")
            codes.append(client.data(message)[0])
    return codes


def test_data_arrives_as_sent_dots_and_all() -> None:
    """The sink reads a message's data in blocks, not lines: the end is still only a lone dot
    on a line, and the dots smtplib doubles at the start of lines come off again."""
    lines = [".leading dot", "..two dots", "ends with a dot.", ".", "x.", "", "last, no newline"]
    text = "Subject: dots\r\n\r\n" + "\r\n".join(lines)
    attachment = bytes(range(256)) * 800  # 200 KB: more than one read of the socket
    mail = EmailMessage()
    mail["Subject"] = "big"
    mail.set_content("see attached")
    mail.add_attachment(attachment, maintype="application", subtype="octet-stream")
    with smtp_sink() as (sink, port):
        assert _send(port, text.encode(), b"Subject: empty\r\n\r\n",
                     mail.as_bytes(policy=email.policy.SMTP)) == [250, 250, 250]  # fmt: skip
        dots, empty, big = sink.messages
    assert dots.get_payload().split("\r\n") == [*lines, ""]  # smtplib ends the data with a CRLF
    assert empty.get_payload() == ""
    assert next(big.iter_attachments()).get_content() == attachment


def test_long_lines_and_too_much_data_are_refused_after_the_data() -> None:
    with smtp_sink() as (sink, port):
        # aiosmtpd's limit: 1,001 bytes with the CRLF (RFC 5321 4.5.3.1.6 says 1,000)
        long_line = b"Subject: long\r\n\r\n" + b"a" * 1_000 + b"\r\n"
        fits = b"Subject: fits\r\n\r\n" + b"a" * 999 + b"\r\n"
        assert _send(port, long_line, fits) == [500, 250]  # the connection goes on after a 500
        assert [m["Subject"] for m in sink.messages] == ["fits"]
    sink = sink_module.Sink()
    server = sink_module.controller(sink, free_port(), data_size_limit=2_000)
    server.start()
    try:
        big, small = b"Subject: big\r\n\r\n" + b"b\r\n" * 1_000, b"Subject: small\r\n\r\nok\r\n"
        assert _send(server.port, big, small) == [552, 250]
        assert [m["Subject"] for m in sink.messages] == ["small"]
    finally:
        server.stop()


def test_decoding_the_data_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="decode_data"):
        sink_module.controller(sink_module.Sink(), free_port(), decode_data=True)
