"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can refuse."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from sandbox.loopback import free_port


class Sink:
    """Collects messages; ``refuse`` makes it answer a temporary (451) failure instead,
    ``refuse_recipients`` refuses those mailboxes (550), ``hang_up`` drops the connection
    when a message's data has arrived, without keeping the message.

    Hooks as in aiosmtpd's handler API (https://aiosmtpd.aio-libs.org/en/latest/handlers.html).
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: list[tuple[str, int]] = []  # the client end of each message's connection
        self.refuse = ""
        self.refuse_recipients: set[str] = set()
        self.hang_up = False
        self.hung_up = 0

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
        # the default policy makes EmailMessage objects, and BytesParser's type says so
        parsed = BytesParser(policy=email.policy.default).parsebytes(envelope.content)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.peers.append(tuple(session.peer))
        return "250 OK"


@contextmanager
def smtp_sink(port: int = 0) -> Iterator[tuple[Sink, int]]:
    """Run the sink on 127.0.0.1; yields it and its port."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
