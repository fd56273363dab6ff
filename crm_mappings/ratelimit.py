"""One rate limit per portal across every process: Bitrix24 counts a portal's requests (a
50-request burst draining at 2/s, then 503 QUERY_LIMIT_EXCEEDED) and amoCRM an account's
(7/s, then 429), whichever worker or web process sends them. A limiter in each process lets
two workers spend the budget twice.

The bucket's state lives where every process sees it: a Redis hash updated by one Lua script
when scaled out (atomic, the Redis clock), a row of ``var/ratelimit.sqlite`` in embedded mode
(one ``BEGIN IMMEDIATE`` transaction, no fsync: a lost update after a power cut only forgets
a few requests). A caller reserves its slot and then sleeps until it comes, so waiting never
holds a lock. A refusal from the CRM (``back_off``) pauses every process's calls to that portal.

``configure`` is called by the composition root; ``limiter_for`` is the adapters' door: the
shared bucket of a portal when one is configured, else this process's ``LeakyBucket`` of it.
``backoff_delay`` is the one retry delay of both CRM clients.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

BACK_OFF = 2.0  # seconds everyone pauses after a refusal without Retry-After

_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local burst, drain, pause = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'level', 'updated', 'paused')
local level = tonumber(s[1]) or 0
local updated = tonumber(s[2]) or now
local paused = tonumber(s[3]) or 0
level = math.max(0, level - (now - updated) * drain)
local wait = 0
if pause > 0 then
  paused = math.max(paused, now + pause)
  level = math.max(level, burst)
else
  wait = math.max(0, (level + 1 - burst) / drain, paused - now)
  level = level + 1
end
redis.call('HSET', KEYS[1], 'level', level, 'updated', now, 'paused', paused)
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


class LeakyBucket:
    """A portal's limit in this process alone: waits instead of earning a refusal. With
    ``burst`` 1 it spaces requests ``1/drain`` seconds apart (amoCRM's 7/s)."""

    def __init__(
        self,
        burst: float = 45,
        drain: float = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.burst, self.drain = burst, drain
        self._clock, self._sleep = clock, sleep
        self._level = 0.0
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            self._level = max(0.0, self._level - (now - self._last) * self.drain)
            self._last = now
            wait = (self._level + 1 - self.burst) / self.drain
            if wait > 0:
                self._sleep(wait)
                self._level = max(0.0, self._level - wait * self.drain)
                self._last = self._clock()
            self._level += 1

    wait = acquire


class Limiter(Protocol):
    """What a CRM client calls before each request."""

    def acquire(self) -> None: ...


def backoff_delay(attempt: int, base: float, retry_after: str = "") -> float:
    """How long to wait before try ``attempt + 1``: the CRM's ``Retry-After`` seconds when it
    sent them, else ``base`` doubled per try already made."""
    if retry_after.isdigit():
        return float(retry_after)
    return float(base * 2**attempt)


class Store(Protocol):
    def close(self) -> None: ...
    def reserve(self, key: str, burst: float, drain: float, pause: float) -> float:
        """Take one request's slot (``pause`` 0) and return the seconds until it comes; or,
        with ``pause`` > 0, stop everyone for that long."""
        ...


class RedisStore:
    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._script = self._redis.register_script(_LUA)

    def reserve(self, key: str, burst: float, drain: float, pause: float) -> float:
        return float(self._script(keys=[f"rentflow:ratelimit:{key}"], args=[burst, drain, pause]))

    def close(self) -> None:
        self._redis.close()


class SqliteStore:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None  # opened on first use

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, level REAL NOT NULL,"
                " updated REAL NOT NULL, paused REAL NOT NULL)"
            )
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def reserve(self, key: str, burst: float, drain: float, pause: float) -> float:
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                now = self._clock()
                row = db.execute(
                    "SELECT level, updated, paused FROM buckets WHERE key = ?", (key,)
                ).fetchone()
                level, updated, paused = row if row is not None else (0.0, now, 0.0)
                level = max(0.0, level - (now - updated) * drain)
                wait = 0.0
                if pause > 0:
                    paused = max(paused, now + pause)
                    level = max(level, burst)
                else:
                    wait = max(0.0, (level + 1 - burst) / drain, paused - now)
                    level += 1
                db.execute(
                    "INSERT OR REPLACE INTO buckets (key, level, updated, paused)"
                    " VALUES (?, ?, ?, ?)",
                    (key, level, now, paused),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return wait


class SharedBucket:
    """A portal's limiter as the CRM clients use it: ``acquire`` (Bitrix24) or ``wait``
    (amoCRM) before each request, ``back_off`` after a refusal."""

    def __init__(
        self,
        store: Store,
        key: str,
        burst: float,
        drain: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store, self.key, self.burst, self.drain = store, key, burst, drain
        self._sleep = sleep

    def acquire(self) -> None:
        wait = self.store.reserve(self.key, self.burst, self.drain, 0)
        if wait > 0:
            self._sleep(wait)

    wait = acquire

    def back_off(self, seconds: float = BACK_OFF) -> None:
        self.store.reserve(self.key, self.burst, self.drain, max(seconds, 0.001))


_store: Store | None = None
_store_lock = threading.Lock()


def configure(store: Store | None) -> None:
    """Share every portal's limit through ``store`` in this process (None: per process)."""
    global _store
    with _store_lock:
        before, _store = _store, store
    if before is not None and before is not store:
        before.close()


def configure_for(broker_url: str, var_dir: Path) -> None:
    """Redis when the broker is Redis, else ``var_dir/ratelimit.sqlite`` (kept when this
    process configured the same place already)."""
    current = _store
    if broker_url.startswith(("redis://", "rediss://")):
        if not (isinstance(current, RedisStore) and current.url == broker_url):
            configure(RedisStore(broker_url))
    elif not (isinstance(current, SqliteStore) and current.path == var_dir / "ratelimit.sqlite"):
        configure(SqliteStore(var_dir / "ratelimit.sqlite"))


def shared_bucket(key: str, burst: float, drain: float) -> SharedBucket | None:
    """The shared limiter of ``key`` (a portal), or None when none is configured."""
    store = _store
    return None if store is None else SharedBucket(store, key, burst, drain)


_local: dict[str, LeakyBucket] = {}
_local_lock = threading.Lock()


def limiter_for(key: str, burst: float, drain: float) -> LeakyBucket | SharedBucket:
    """The one limiter of a portal (``key``: ``"<crm>:<portal>"``): shared by every process
    when a store is configured, else this process's, the same for every client of it."""
    shared = shared_bucket(key, burst, drain)
    if shared is not None:
        return shared
    with _local_lock:
        return _local.setdefault(key, LeakyBucket(burst, drain))


def back_off(limiter: object, seconds: float | None = None) -> None:
    """Tell a shared limiter the CRM refused (a per-process one has nothing to share)."""
    if isinstance(limiter, SharedBucket):
        limiter.back_off(BACK_OFF if seconds is None else seconds)
