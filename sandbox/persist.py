"""The sandbox portals' state on disk, so they remember what rentflow remembers.

rentflow keeps its portals, leases and tokens in its database across restarts; an emulator
that forgot its deals, leads and tokens would hand out deal 1 again, and rentflow would show
the old deal 1's lease in it. Each emulator mounted by ``rentflow serve`` therefore writes its
state to a JSON file under ``var_dir/sandbox/`` after every request that changed it, and
reads it back at start.

The file is tied to rentflow's database: it records a fingerprint of the database (its URL's
hash and, for SQLite, the file's inode). When rentflow starts on another or a recreated
database the saved state is set aside (renamed ``*.stale``) and the emulator starts afresh:
the two are reset together, never one without the other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
VERSION = 1


def database_fingerprint(database_url: str) -> str:
    """What identifies rentflow's database: its URL (hashed: it may hold a password) and, for
    a SQLite file, its inode (a deleted and recreated database is another one)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    try:
        url = make_url(database_url)
    except Exception:
        return digest
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if path.exists():
            return f"{digest}:{path.stat().st_ino}"
    return digest


class StateFile:
    """One emulator's saved state (``path``), valid for one rentflow database."""

    def __init__(self, path: Path, database_url: str) -> None:
        self.path = path
        self.fingerprint = database_fingerprint(database_url)
        self._last = ""
        self._lock = threading.Lock()

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None: no file, unreadable, or saved for another database (then
        set aside as ``<name>.stale``)."""
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            log.warning("sandbox state %s unreadable (%s): starting afresh", self.path, err)
            self._set_aside()
            return None
        if saved.get("version") != VERSION or saved.get("database") != self.fingerprint:
            log.warning(
                "sandbox state %s belongs to another rentflow database: starting afresh",
                self.path,
            )
            self._set_aside()
            return None
        state: dict[str, Any] = saved.get("state") or {}
        return state

    def save(self, snapshot: Callable[[], dict[str, Any]]) -> None:
        """Write what ``snapshot()`` gives (JSON-ready) atomically, unless it is what was
        written last. Taken and written under one lock: a later state is never overwritten by
        an earlier one."""
        with self._lock:
            text = json.dumps(
                {"version": VERSION, "database": self.fingerprint, "state": snapshot()},
                ensure_ascii=False,
                sort_keys=True,
            )
            if text == self._last:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            scratch = self.path.with_suffix(".tmp")
            scratch.write_text(text, encoding="utf-8")
            os.replace(scratch, self.path)
            self._last = text

    def _set_aside(self) -> None:
        with contextlib.suppress(OSError):
            os.replace(self.path, self.path.with_suffix(".stale"))
