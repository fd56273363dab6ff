"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can refuse."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import DATA_SIZE_DEFAULT, MISSING, SMTP

from sandbox.loopback import free_port


class Sink:
    """Collects messages; ``refuse`` makes it answer a temporary (451) failure instead,
    ``refuse_recipients`` refuses those mailboxes (550), ``hang_up`` drops the connection
    when a message's data has arrived, without keeping the message.

    Hooks as in aiosmtpd's handler API (https://aiosmtpd.aio-libs.org/en/latest/handlers.html).
    """

    def __init__(self) -> None:
        self._parsed: list[EmailMessage] = []
        self._arrived: deque[bytes] = deque()  # received, not yet parsed (thread-safe ends)
        self._received = 0  # counted apart: a message being parsed is in neither list
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: list[tuple[str, int]] = []  # the client end of each message's connection
        self.refuse = ""
        self.refuse_recipients: set[str] = set()
        self.hang_up = False
        self.hung_up = 0

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived, in order, parsed when first asked for: parsing a message with three
        PDFs attached costs ~3.4 ms of CPU, which a benchmark's SMTP sink (8,000 mails on the
        cores the workers it measures run on) should not spend while it is being timed."""
        while self._arrived:
            # the default policy makes EmailMessage objects, and BytesParser's type says so
            content = self._arrived.popleft()
            self._parsed.append(BytesParser(policy=email.policy.default).parsebytes(content))
        return self._parsed

    def clear(self) -> None:
        """Forget what arrived so far: the messages, their envelopes and peers (the three
        lists stay index for index)."""
        self._arrived.clear()
        self._received = 0
        self._parsed.clear()
        self.envelopes.clear()
        self.peers.clear()

    def received(self) -> int:
        """How many messages arrived (none parsed for it)."""
        return self._received

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse_recipients:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.hang_up:
            self.hung_up += 1
            server.transport.close()
            return "421 4.3.0 closing"
        if self.refuse:
            return self.refuse
        self._arrived.append(envelope.content)
        self._received += 1
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.peers.append(tuple(session.peer))
        return "250 OK"


class _Hooks:
    """What aiosmtpd sees of a ``Sink``: its two hooks, nothing else. aiosmtpd's ``SMTP``
    runs ``inspect.getmembers`` on its handler for every connection, which reads every
    property: handed the sink itself, it read ``Sink.messages`` and so parsed every message
    received since the last connection, on the server's loop, before the greeting (0.3 s
    after 200 messages, 1.3 s in a benchmark's billing day, on the cores it timed)."""

    def __init__(self, sink: Sink) -> None:
        self.handle_RCPT = sink.handle_RCPT
        self.handle_DATA = sink.handle_DATA


LINE_LIMIT = SMTP.line_length_limit  # aiosmtpd's: 1,001 bytes with the CRLF (RFC 5321 4.5.3.1.6)


class _BlockDataSMTP(SMTP):
    """aiosmtpd's server, reading a message's data in a few blocks instead of line by line.

    aiosmtpd's ``smtp_DATA`` awaits ``readuntil(b"\\r\\n")`` once per line: about 3.3 ms of
    CPU for a mail with three PDFs (1,600 base64 lines), 8-11 s of a benchmark's billing day
    on the cores it times. This one reads up to each ``.<CRLF>`` (a few per message) and
    keeps the rest of aiosmtpd's rules: the end of data is a lone dot on a line (RFC 5321
    4.1.1.4), a leading dot is taken off each line (4.5.2), a line over 1,001 bytes with its
    CRLF is refused with 500 (aiosmtpd's limit; 4.5.3.1.6 says 1,000) and a message over
    ``data_size_limit`` with 552, both once the data has arrived.
    A stream limit of the whole data size lets ``readuntil`` return a message in one piece;
    command lines keep aiosmtpd's own length check.
    """

    line_length_limit = DATA_SIZE_DEFAULT + 5  # the stream's limit, see above

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802 - aiosmtpd's command name
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = bytearray()
        while not (data == b".\r\n" or data.endswith(b"\r\n.\r\n")):
            try:
                data += await self._reader.readuntil(b".\r\n")
            except asyncio.CancelledError:  # the connection was lost during DATA
                self._writer.close()
                raise
            except asyncio.LimitOverrunError:  # more than the stream holds: past any limit
                await self.push("552 Error: Too much mail data")
                self._writer.close()
                return
        del data[-3:]  # the lone dot and its CRLF
        if self.data_size_limit and len(data) > self.data_size_limit:
            answer = "552 Error: Too much mail data"
        elif max(map(len, data.split(b"\r\n"))) > LINE_LIMIT - 2:
            answer = "500 Line too long (see RFC5321 4.5.3.1.6)"
        else:
            if data.startswith(b"."):
                del data[0]
            content = bytes(data.replace(b"\r\n.", b"\r\n"))
            self.envelope.content = self.envelope.original_content = content
            status = await self._call_handler_hook("DATA")
            answer = "250 OK" if status is MISSING else status
        self._set_post_data_state()  # type: ignore[no-untyped-call]  # aiosmtpd's, untyped
        await self.push(answer)


class _Controller(Controller):
    def factory(self) -> SMTP:  # aiosmtpd's documented way to serve another SMTP class
        return _BlockDataSMTP(self.handler, **self.SMTP_kwargs)


def controller(sink: Sink, port: int, **smtp_options: Any) -> Controller:
    """An aiosmtpd controller serving ``sink`` on 127.0.0.1:``port`` (not started);
    ``smtp_options`` go to the server (aiosmtpd's ``SMTP`` keywords, e.g. ``data_size_limit``;
    not ``decode_data``: the sink keeps what arrives as bytes)."""
    if smtp_options.get("decode_data"):
        raise ValueError("the SMTP sink keeps messages as bytes: decode_data is not supported")
    return _Controller(_Hooks(sink), hostname="127.0.0.1", port=port, **smtp_options)


@contextmanager
def smtp_sink(port: int = 0) -> Iterator[tuple[Sink, int]]:
    """Run the sink on 127.0.0.1; yields it and its port."""
    sink = Sink()
    server = controller(sink, port or free_port())
    server.start()
    try:
        yield sink, server.port
    finally:
        server.stop()
