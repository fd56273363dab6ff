"""Portals by CRM identity for a few seconds: every incoming Bitrix24 event and amoCRM webhook
names its portal, and reading it from the database each time cost a fifth of the intake.

One cache per unit-of-work factory (per process and database). A commit that adds or saves a
portal in this process clears it (install, re-install, uninstall, a new application token);
another process's change is seen within ``TTL`` seconds. The tasks behind an event check again
that their portal is active, so an event accepted in that window does no work.
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

    def get(self, kind: str, external_id: str, load: Callable[[], Portal | None]) -> Portal | None:
        """The cached portal (or its absence), else ``load()``'s answer, kept ``ttl`` seconds."""
        key = (kind, external_id)
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        portal = load()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now, portal)
        return portal

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
