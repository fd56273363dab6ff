"""The test SMTP sink (``sandbox.smtp_sink``) keeps what arrives as bytes and parses it only
when ``messages`` is read: not on the server's loop, and not when a new connection comes."""

from __future__ import annotations

import smtplib
from email.parser import BytesParser
from typing import Any

import pytest

from sandbox import smtp_sink as sink_module
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
