"""One SQLAlchemy dialect per kind of database for the whole test process.

SQLAlchemy caches a compiled statement under a key that holds the dialect object
(``ClauseElement._compile_w_cache``; the ORM's flush does the same in each mapper's cache),
and ``create_engine`` makes a new dialect for every engine. Production makes one engine per
process and compiles each statement once. The suite makes an engine per test (each test has
its own SQLite file), so every test compiled every statement it ran again (sharing took the
unit and integration tests from 65 to 55.5 user core-seconds on 2 workers).

Here, once an engine has connected (so its dialect has read the server's version and
features), it is remembered; a later engine made with the same URL scheme and the same
arguments takes that dialect and its statement cache. The dialect holds nothing about one
database file or one connection: it is what every connection of an engine shares anyway.
Production code is left alone: only ``backend.db.base``'s ``create_engine`` is wrapped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_shared: dict[tuple[str, str], tuple[Any, Any]] = {}


def share_dialects() -> None:
    from backend.db import base

    create_engine: Callable[..., Engine] = base.create_engine
    if getattr(create_engine, "shares_dialects", False):
        return

    def create_sharing(url: Any, **kwargs: Any) -> Engine:
        engine = create_engine(url, **kwargs)
        key = (engine.url.drivername, repr(sorted(kwargs.items())))
        known = _shared.get(key)
        if known is not None:
            engine.dialect, engine._compiled_cache = known
            engine.pool._dialect = known[0]
            return engine

        @event.listens_for(engine, "engine_connect")
        def _remember(_connection: Any) -> None:  # the pool's first connect has run by now
            _shared.setdefault(key, (engine.dialect, engine._compiled_cache))

        return engine

    create_sharing.shares_dialects = True  # type: ignore[attr-defined]
    base.create_engine = create_sharing  # type: ignore[assignment]
