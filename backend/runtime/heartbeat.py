"""The worker's heartbeat: proof that a worker's consumer is connected and alive.

Embedded mode: the worker touches ``var/worker.heartbeat`` (its mtime is the beat). A touch
writes no data block, so it still works on a full disk and takes no database write lock from
the billing run; the web process of the same node reads it with one ``stat``. Scaled out, the
web and the workers share no disk: each worker sets ``rentflow:heartbeat:<hostname>`` in Redis
with an expiry, and the web reads the newest.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Protocol

HEARTBEAT_EVERY = 5.0  # seconds between beats
HEARTBEAT_STALE = 30.0  # a worker silent this long is dead or cut off from the broker
REDIS_PREFIX = "rentflow:heartbeat:"


class HeartbeatStore(Protocol):
    def beat(self, worker: str) -> None: ...
    def age(self) -> float | None:
        """Seconds since the newest beat of any worker, or None if none ever beat."""
        ...


class FileHeartbeat:
    """One file under the var directory, touched by the one embedded worker."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def beat(self, worker: str) -> None:
        try:
            os.utime(self.path)
        except FileNotFoundError:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(worker)

    def age(self) -> float | None:
        try:
            return max(0.0, time.time() - self.path.stat().st_mtime)
        except FileNotFoundError:
            return None


class RedisHeartbeat:
    """A key per worker in Redis; it expires by itself when the worker stops beating."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def beat(self, worker: str) -> None:
        self.redis.set(REDIS_PREFIX + worker, repr(time.time()), ex=int(HEARTBEAT_STALE * 4))

    def age(self) -> float | None:
        keys = list(self.redis.scan_iter(REDIS_PREFIX + "*", count=100))
        if not keys:
            return None
        beats = [float(v) for v in self.redis.mget(keys) if v is not None]
        return max(0.0, time.time() - max(beats)) if beats else None


def heartbeat_store(var_dir: Path, broker_url: str) -> HeartbeatStore:
    """Redis when the broker is Redis (scaled out), else the file under ``var_dir``."""
    if broker_url.startswith(("redis://", "rediss://")):
        return RedisHeartbeat(broker_url)
    return FileHeartbeat(var_dir / "worker.heartbeat")
