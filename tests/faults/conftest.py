"""The fault suite's fixtures: this test process's own PostgreSQL, Redis and SMTP servers
(``servers``: one set per pytest worker, kept for every fault test it runs; each test gets a
fresh database and an emptied Redis), and rentflow scaled out on them for one test
(``stack``, ``make_stack``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.checks import LEASES
from tests.faults.stack import Servers, Stack


@pytest.fixture(scope="session")
def _scaled_out_servers() -> Iterator[Servers]:
    started = Servers.start()
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="session")
def _embedded_servers() -> Iterator[Servers]:
    started = Servers.start(embedded=True)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Servers:
    """PostgreSQL, Redis and SMTP; SMTP alone for a module with ``EMBEDDED = True``."""
    embedded = getattr(request.module, "EMBEDDED", False)
    return request.getfixturevalue("_embedded_servers" if embedded else "_scaled_out_servers")


@pytest.fixture
def make_stack(servers: Servers, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    built: list[Stack] = []

    def make(leases: int = LEASES, **options: float) -> Stack:
        stack = Stack.create(servers, tmp_path, **options)
        built.append(stack)
        stack.seed(leases)
        return stack

    try:
        yield make
    finally:
        for stack in built:
            stack.close()


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    return make_stack()
