"""Ports for the loopback servers the tests and the demo start."""

from __future__ import annotations

import socket

import pytest

import sandbox.loopback as loopback
from sandbox.loopback import free_port


def _ephemeral() -> range:
    with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as handle:
        low, high = (int(n) for n in handle.read().split())
    return range(low, high + 1)


def test_a_free_port_is_outside_the_range_outgoing_connections_draw_from() -> None:
    ports = {free_port() for _ in range(50)}

    assert not ports & set(_ephemeral())
    for port in list(ports)[:5]:  # and it can be bound
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_not_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        taken.listen()
        picks = iter([busy, busy, 20001])
        monkeypatch.setattr(loopback.secrets, "choice", lambda _: next(picks))

        assert free_port() == 20001
