"""The embedded broker: kombu's SQLAlchemy transport's tables in ``var/broker.sqlite``, driven
by plain ``sqlite3`` so that queueing a task is cheap, durable and never lost.

kombu's own transport (kombu/transport/sqlalchemy/__init__.py) opens a session per channel,
looks the queue up on every publish and commits each message on its own in rollback-journal
mode with ``synchronous=FULL``: a few fsyncs per webhook, 72 % of the intake's time (issue 18).
It also never deletes a message: a taken one is only marked invisible, so an ack cannot be told
from a task held by a worker that was killed, and such a task is never run again.

Here, per process and file:
- one connection in WAL mode with ``synchronous=FULL`` for publishing: a publish returns only
  once its row is on disk (one fsync of the WAL), so an acknowledged webhook survives a crash or
  a power cut; concurrent publishers share that fsync (group commit: whoever holds the writer
  commits every row queued meanwhile in one transaction);
- a second connection with ``synchronous=NORMAL`` for taking, acking and giving back: losing
  one of those to a power cut only means a redelivery, and every task is idempotent;
- the queue ids are looked up once;
- an acked (or dropped) message's row is deleted; a taken one stays invisible until then, so
  ``requeue_unacked`` at a worker's start gives back what a dead worker held (the embedded
  broker has one worker: ``rentflow serve``'s, restarted by its supervisor).

Any ``sqlite3`` error is a connection error to kombu: a full disk or an unreadable file makes
the worker log it and reconnect with back-off, and go on once the file is writable again.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

from kombu.transport import TRANSPORT_ALIASES

PREFIX = "sqla+sqlite:///"
ALIAS = "rentflowsqlite"  # kombu takes no import path from a URL: the scheme is an alias
BUSY_TIMEOUT_MS = 30_000
ACK_BATCH = 32  # acks written in one transaction (or with the next take)
FAST_RETRY = 0.0005  # seconds between tries of a publisher waiting for the write lock
TAKE_MOST = 16  # messages taken in one transaction, within the channel's prefetch
ONE_STATEMENT = 1000  # most messages written by one INSERT (SQLite binds up to 32766 values)
INSERT = "INSERT INTO kombu_message (visible, payload, version, queue_id) VALUES "

SCHEMA = """
CREATE TABLE IF NOT EXISTS kombu_queue (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(200),
    UNIQUE (name)
);
CREATE TABLE IF NOT EXISTS kombu_message (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    visible BOOLEAN,
    timestamp DATETIME,
    payload TEXT NOT NULL,
    version SMALLINT NOT NULL,
    queue_id INTEGER,
    CONSTRAINT "FK_kombu_message_queue" FOREIGN KEY(queue_id) REFERENCES kombu_queue (id)
);
CREATE INDEX IF NOT EXISTS ix_kombu_message_timestamp ON kombu_message (timestamp);
CREATE INDEX IF NOT EXISTS ix_kombu_message_visible ON kombu_message (visible);
CREATE INDEX IF NOT EXISTS ix_kombu_message_timestamp_id ON kombu_message (timestamp, id);
CREATE INDEX IF NOT EXISTS ix_kombu_message_queue_visible_id
    ON kombu_message (queue_id, visible, id);
"""


def kombu_url(broker_url: str) -> str:
    """The URL kombu is given: ``sqla+sqlite:///path`` goes through this transport; any other
    broker URL is unchanged."""
    if not broker_url.startswith(PREFIX):
        return broker_url
    TRANSPORT_ALIASES.setdefault(ALIAS, "backend.runtime.sqlite_transport:Transport")
    return f"{ALIAS}+sqlite:///{broker_url[len(PREFIX) :]}"


def _connect(
    path: str, synchronous: str, busy_timeout_ms: int = BUSY_TIMEOUT_MS
) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA journal_mode=WAL")  # waiting for another process's lock if need be
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return conn


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _retry_locked(attempt: Callable[[], object]) -> None:
    """``attempt()``, retried every ``FAST_RETRY`` seconds while another process writes.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries: behind the
    worker's few-microsecond takes and acks, a webhook would wait tens of milliseconds."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            attempt()
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(FAST_RETRY)


def _insert_sql(rows: int) -> str:
    """One INSERT of ``rows`` messages: one statement is one transaction, one fsync and one
    release of the GIL, where BEGIN, one step per row and COMMIT made the commit thread wait
    for the GIL again after each (up to 5 ms each behind 32 busy web threads)."""
    return INSERT + ", ".join(["(1, ?, 1, ?)"] * rows)


class _Pending:
    """One publisher's messages, written in the same transaction (all or none), and the lock
    it waits on until the committer has written them (a bare lock: one wake-up each, where a
    shared ``Event`` made every publisher of a batch queue again for its condition's lock)."""

    __slots__ = ("error", "rows", "written")

    def __init__(self, rows: list[tuple[str, int]]) -> None:
        self.rows = rows  # (payload, queue id)
        self.error: sqlite3.Error | None = None
        self.written = threading.Lock()
        self.written.acquire()  # released by the committer


class BrokerFile:
    """The broker file as one process uses it (built on first use, again after a fork)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.broken = False
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # the schema through the connection that waits for the lock: another process (a web
        # process of several, the worker) may be writing the file when this one opens it
        self._relaxed = _connect(path, "NORMAL")
        self._relaxed.executescript(SCHEMA)
        self._durable = _connect(path, "FULL", busy_timeout_ms=0)
        self._inode = _inode(path)
        self._writer = threading.Lock()  # the durable connection: one transaction at a time
        self._relaxed_lock = threading.Lock()
        self._pending: SimpleQueue[_Pending] = SimpleQueue()
        self._committer: threading.Thread | None = None
        self._starting = threading.Lock()
        self._queues: dict[str, int] = {}
        self._acked: list[tuple[int]] = []

    def close(self) -> None:
        self.flush_acks()
        self._durable.close()
        self._relaxed.close()

    def queue_id(self, name: str) -> int:
        known = self._queues.get(name)
        if known is not None:
            return known
        find = "SELECT id FROM kombu_queue WHERE name = ?"
        with self._writer:
            row = self._durable.execute(find, (name,)).fetchone()
            if row is None:  # new: written once, waiting for another process's write
                _retry_locked(
                    lambda: self._durable.execute(
                        "INSERT OR IGNORE INTO kombu_queue (name) VALUES (?)", (name,)
                    )
                )
                row = self._durable.execute(find, (name,)).fetchone()
        self._queues[name] = int(row[0])
        return self._queues[name]

    def put(self, queue: str, payload: dict[str, Any]) -> None:
        """Store the message; returns once it is on disk (group commit, see the module)."""
        self.put_many(queue, [payload])

    def put_many(self, queue: str, payloads: list[dict[str, Any]]) -> None:
        """Store the messages in one transaction (all or none); returns once they are on
        disk. One webhook naming several leads costs one write, not one per lead."""
        queue_id = self.queue_id(queue)
        mine = _Pending([(json.dumps(payload), queue_id) for payload in payloads])
        if self._committer is None:
            with self._starting:
                if self._committer is None:
                    self._committer = threading.Thread(
                        target=self._commit_forever, name="broker-commit", daemon=True
                    )
                    self._committer.start()
        self._pending.put(mine)
        mine.written.acquire()
        if mine.error is not None:
            raise mine.error

    def _commit_forever(self) -> None:
        """The one thread that writes published messages: it takes whatever is pending as one
        batch and wakes that batch's publishers at once. (Publishers taking turns as the
        writer made each wait for every other's wake-up, 60 ms at 64 concurrent webhooks.)"""
        while True:
            batch = [self._pending.get()]
            with contextlib.suppress(Empty):
                while True:
                    batch.append(self._pending.get_nowait())
            try:
                with self._writer:
                    self._commit(batch)
            except Exception as err:  # never leave a publisher waiting
                for pending in batch:
                    pending.error = sqlite3.OperationalError(f"{type(err).__name__}: {err}")
            finally:
                for pending in batch:
                    pending.written.release()

    def _commit(self, batch: list[_Pending]) -> None:
        conn = self._durable
        rows = [value for pending in batch for row in pending.rows for value in row]
        count = len(rows) // 2
        try:
            self._check_same_file()
            if count <= ONE_STATEMENT:  # autocommit: the statement is the transaction
                _retry_locked(lambda: conn.execute(_insert_sql(count), rows))
                return
            _retry_locked(lambda: conn.execute("BEGIN IMMEDIATE"))
            for start in range(0, len(rows), 2 * ONE_STATEMENT):
                part = rows[start : start + 2 * ONE_STATEMENT]
                conn.execute(_insert_sql(len(part) // 2), part)
            conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._note(err)
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for pending in batch:
                pending.error = err

    def _note(self, err: sqlite3.Error) -> None:
        """A file that failed otherwise than by being busy is opened afresh on next use (it may
        have been repaired or replaced meanwhile)."""
        if "locked" not in str(err):
            self.broken = True

    def take(self, queue: str, most: int = 1) -> list[tuple[int, dict[str, Any]]]:
        """Up to ``most`` of the oldest visible messages of ``queue``, now invisible (held),
        oldest first; acks waiting to be written go in the same transaction."""
        try:
            return self._take(queue, most)
        except sqlite3.Error as err:
            self._note(err)
            raise

    def _check_same_file(self) -> None:
        """A broker file deleted or replaced under us would swallow what is written: refuse."""
        if _inode(self.path) != self._inode:
            raise sqlite3.OperationalError(f"the broker file {self.path} was replaced or removed")

    def _take(self, queue: str, most: int) -> list[tuple[int, dict[str, Any]]]:
        self._check_same_file()
        queue_id = self.queue_id(queue)
        conn = self._relaxed
        with self._relaxed_lock:
            acked, self._acked = self._acked, []
            # a read first: an empty poll takes no write lock (WAL readers never wait)
            waiting = conn.execute(
                "SELECT 1 FROM kombu_message WHERE queue_id = ? AND visible = 1 LIMIT 1",
                (queue_id,),
            ).fetchone()
            if waiting is None and not acked:
                return []
            conn.execute("BEGIN IMMEDIATE")
            try:
                if acked:
                    conn.executemany("DELETE FROM kombu_message WHERE id = ?", acked)
                rows = conn.execute(
                    "UPDATE kombu_message SET visible = 0 WHERE id IN ("
                    " SELECT id FROM kombu_message WHERE queue_id = ? AND visible = 1"
                    " ORDER BY id LIMIT ?) RETURNING id, payload",
                    (queue_id, most),
                ).fetchall()
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                self._acked = acked + self._acked
                raise
        return sorted((int(r[0]), json.loads(r[1])) for r in rows)

    def forget(self, row_id: int) -> None:
        """An acked or dropped message is gone: its row is deleted with the next take (at
        most a poll later). A worker killed in between runs those tasks again; every task is
        idempotent."""
        with self._relaxed_lock:
            self._acked.append((row_id,))
            flush = len(self._acked) >= ACK_BATCH
        if flush:
            self.flush_acks()

    def flush_acks(self) -> None:
        with self._relaxed_lock:
            acked, self._acked = self._acked, []
            if acked:
                self._relaxed.executemany("DELETE FROM kombu_message WHERE id = ?", acked)

    def give_back(self, row_id: int) -> None:
        """A held message is visible again, at its old place in the queue."""
        with self._relaxed_lock:
            self._relaxed.execute("UPDATE kombu_message SET visible = 1 WHERE id = ?", (row_id,))

    def size(self, queue: str) -> int:
        row = self._relaxed.execute(
            "SELECT count(*) FROM kombu_message WHERE queue_id = ? AND visible = 1",
            (self.queue_id(queue),),
        ).fetchone()
        return int(row[0])

    def waiting(self) -> int:
        """Messages of every queue waiting to be taken."""
        row = self._relaxed.execute(
            "SELECT count(*) FROM kombu_message WHERE visible = 1"
        ).fetchone()
        return int(row[0])

    def purge(self, queue: str) -> int:
        queue_id = self.queue_id(queue)
        with self._relaxed_lock:
            cursor = self._relaxed.execute(
                "DELETE FROM kombu_message WHERE queue_id = ? AND visible = 1", (queue_id,)
            )
        return int(cursor.rowcount)


_files: dict[tuple[str, int], BrokerFile] = {}
_files_lock = threading.Lock()


def broker_file(path: str) -> BrokerFile:
    """This process's ``BrokerFile`` for ``path`` (a forked child opens its own)."""
    key = (path, os.getpid())
    found = _files.get(key)
    if found is None or found.broken:
        with _files_lock:
            found = _files.get(key)
            if found is None or found.broken:
                found = BrokerFile(path)
                _files[key] = found
    return found


def requeue_unacked(broker_url: str) -> int:
    """Give back every message held by a worker: call it when the embedded broker's only
    worker starts, before it consumes (what is held then was held by a dead worker)."""
    if not broker_url.startswith(PREFIX):
        return 0
    conn = _connect(broker_url[len(PREFIX) :], "FULL")
    try:
        conn.executescript(SCHEMA)
        cursor = conn.execute("UPDATE kombu_message SET visible = 1 WHERE visible = 0")
        return int(cursor.rowcount)
    finally:
        conn.close()
