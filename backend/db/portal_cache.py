"""Portals by CRM identity for a few seconds: every incoming Bitrix24 event and amoCRM webhook
names its portal, and reading it from the database each time cost a fifth of the intake.

One cache per unit-of-work factory (per process and database). A commit that adds or saves a
portal in this process clears it (install, re-install, uninstall, a new application token);
another process's change (another of ``rentflow serve``'s web processes, another machine's)
is seen within ``TTL`` seconds. The tasks behind an event check again
that their portal is active, so an event accepted in that window does no work.

An expired entry is read again by one thread while the others go on with it (a moment older
than ``TTL``); a portal not cached is read by one thread while the others wait for it. Every
web thread reading it at once, each in a write transaction of its own on SQLite, held up a
whole second of webhooks every ``TTL`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from backend.domain.portal import Portal

TTL = 5.0  # seconds
MAX_ENTRIES = 10_000


class PortalCache:
    def __init__(self, ttl: float = TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[float, Portal | None]] = {}
        self._reading: dict[tuple[str, str], threading.Event] = {}  # set once read
        self._generation = 0  # a clear() makes what was being read meanwhile stale

    def get(self, kind: str, external_id: str, load: Callable[[], Portal | None]) -> Portal | None:
        """The cached portal (or its absence), else ``load()``'s answer, kept ``ttl`` seconds."""
        key = (kind, external_id)
        entry = self._entries.get(key)
        if entry is not None and self.clock() - entry[0] < self.ttl:
            return entry[1]
        with self._lock:
            reading = self._reading.get(key)
            mine = reading is None
            if reading is None:
                reading = self._reading[key] = threading.Event()
            generation = self._generation
        if not mine:
            if entry is not None:
                return entry[1]
            reading.wait()
            read = self._entries.get(key)
            return read[1] if read is not None else load()
        try:
            now = self.clock()
            portal = load()
            with self._lock:
                if generation == self._generation:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.clear()
                    self._entries[key] = (now, portal)
            return portal
        finally:
            with self._lock:
                del self._reading[key]
            reading.set()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1
