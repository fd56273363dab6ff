"""The fault suite's fixtures: this module's own PostgreSQL, Redis and SMTP servers
(``servers``), and rentflow scaled out on them for one test (``stack``, ``make_stack``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.faults.checks import LEASES
from tests.faults.stack import Servers, Stack


@pytest.fixture(scope="module")
def servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    """PostgreSQL, Redis and SMTP; SMTP alone for a module with ``EMBEDDED = True``."""
    started = Servers.start(embedded=getattr(request.module, "EMBEDDED", False))
    try:
        yield started
    finally:
        started.close()


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
