"""The worker process's container: built lazily after fork, or handed in by tests."""

from __future__ import annotations

from backend.bootstrap import Container, bootstrap
from backend.config import Settings

_container: Container | None = None


def set_container(container: Container | None) -> None:
    """Use ``container`` for the tasks of this process (tests, ``rentflow serve``)."""
    global _container
    _container = container


def container() -> Container:
    global _container
    if _container is None:
        _container = bootstrap(Settings.from_env())
    return _container
