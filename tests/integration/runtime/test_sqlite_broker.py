"""The embedded broker: what is published is on disk, what is acked is gone, what a dead
worker held is queued again when the next worker starts."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from celery import Celery
from kombu import Connection
from kombu.transport import virtual

from backend.runtime.publish import FastPublisher
from backend.runtime.sqlite_broker import kombu_url, requeue_unacked
from backend.runtime.sqlite_transport import SHUTDOWN_LOOK, Transport
from backend.runtime.web_load import RequestCounter, web_load_dir
from tests.celery_worker import running_worker

TASK = "jobs.tasks.bitrix24_deal_changed"


def _rows(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT id, visible FROM kombu_message ORDER BY id").fetchall()


def _counting_app(url: str, seen: list[str], name: str) -> Celery:
    app = Celery(f"test-counter-{url}", broker=kombu_url(url), set_as_current=False)
    app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, task_ignore_result=True)

    @app.task(name=name)
    def deal(portal_id: int, deal_id: str) -> None:
        seen.append(deal_id)

    return app


def _wait(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)


def test_a_published_task_is_on_disk_before_send_returns(tmp_path: Path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    FastPublisher(url).send(TASK, [1, "42"])
    assert _rows(tmp_path / "broker.sqlite") == [(1, 1)]


def test_a_worker_runs_each_published_task_once_and_acked_rows_are_deleted(
    tmp_path: Path,
) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    publisher = FastPublisher(url)
    for deal in range(40):
        publisher.send(f"{TASK}.acked", [1, str(deal)])
    seen: list[str] = []
    app = _counting_app(url, seen, f"{TASK}.acked")
    with running_worker(app):
        _wait(lambda: len(seen) >= 40)
    assert sorted(seen, key=int) == [str(d) for d in range(40)]
    assert _rows(tmp_path / "broker.sqlite") == []


def _hold_and_die(url: str, ready: multiprocessing.synchronize.Event) -> None:
    """A consumer that takes a message and is killed before it acks."""
    app = Celery("holder", broker=kombu_url(url), set_as_current=False)
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        queue.get(timeout=10)  # taken, never acked
        ready.set()
        time.sleep(60)


def test_a_task_held_by_a_killed_worker_is_queued_again_when_the_next_starts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    FastPublisher(url).send(f"{TASK}.held", [1, "7"])
    ready = multiprocessing.get_context("fork").Event()
    holder = multiprocessing.get_context("fork").Process(target=_hold_and_die, args=(url, ready))
    holder.start()
    assert ready.wait(30)
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    assert _rows(path) == [(1, 0)]  # held, by nobody alive

    assert requeue_unacked(url) == 1
    seen: list[str] = []
    app = _counting_app(url, seen, f"{TASK}.held")
    with running_worker(app):
        _wait(lambda: seen == ["7"])
    assert seen == ["7"]


def test_a_replaced_broker_file_refuses_publishing_until_it_is_readable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    publisher = FastPublisher(url)
    publisher.send(f"{TASK}.broken", [1, "1"])
    for leftover in tmp_path.glob("broker.sqlite*"):
        leftover.unlink()
    path.write_bytes(b"not a database" * 1000)

    with pytest.raises(sqlite3.OperationalError, match="replaced"):
        publisher.send(f"{TASK}.broken", [1, "2"])  # not into the file that is gone
    with pytest.raises(sqlite3.DatabaseError):
        publisher.send(f"{TASK}.broken", [1, "3"])  # nor into the unreadable one

    path.unlink()  # the operator moves the broken file away
    publisher.send(f"{TASK}.broken", [1, "4"])
    assert _rows(path) == [(1, 1)]


def test_tasks_sent_together_are_stored_all_or_none(tmp_path: Path) -> None:
    path = tmp_path / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    publisher = FastPublisher(url)
    publisher.send_many(f"{TASK}.many", [[1, "11"], [1, "12"], [1, "13"]])
    assert [row[1] for row in _rows(path)] == [1, 1, 1]
    seen: list[str] = []
    app = _counting_app(url, seen, f"{TASK}.many")
    with running_worker(app):
        _wait(lambda: len(seen) >= 3)
    assert sorted(seen) == ["11", "12", "13"]

    with sqlite3.connect(path) as db:  # the third message cannot be stored: none of them is
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON kombu_message"
            " WHEN NEW.payload LIKE '%[1, ''23'']%' BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        publisher.send_many(f"{TASK}.many", [[1, "21"], [1, "22"], [1, "23"]])
    assert _rows(path) == []


def test_a_publisher_opening_while_another_process_writes_waits_for_it(tmp_path: Path) -> None:
    """Several web processes share the file: one that starts (declares its queue, publishes)
    while another holds the write lock waits for it instead of failing the webhook."""
    path = tmp_path / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    FastPublisher(url).send(TASK, [1, "1"])  # the file and its first queue exist
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process writing

    def release() -> None:
        time.sleep(0.3)
        other.execute("COMMIT")

    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        # the same file by another name: a BrokerFile of its own, as another process opens
        publisher = FastPublisher(url.replace("broker.sqlite", "./broker.sqlite"))
        publisher.send_many(f"{TASK}.new-queue", [[1, "2"], [1, "3"]])
    finally:
        releaser.join()
        other.close()
    assert [row[1] for row in _rows(path)] == [1, 1, 1]


def test_the_worker_loop_waits_at_most_a_quarter_second_before_looking_for_a_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Celery's loop for a polling transport waits in ``drain_events(timeout=2.0)`` and reads a
    shutdown request only between waits: the transport cuts a given wait to
    ``SHUTDOWN_LOOK``, and leaves a shorter one, or none (wait for ever), as asked."""
    asked: list[float | None] = []

    def drain(self: object, connection: object, timeout: float | None = None) -> None:
        asked.append(timeout)

    monkeypatch.setattr(virtual.Transport, "drain_events", drain)
    with Connection(kombu_url(f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}")) as connection:
        assert isinstance(connection.transport, Transport)
        for timeout in (2.0, 0.1, None):
            connection.transport.drain_events(connection, timeout=timeout)
    assert asked == [SHUTDOWN_LOOK, 0.1, None]


class _Surge:
    """A web process answering about a thousand requests a second, in a thread."""

    def __init__(self, broker: Path) -> None:
        self.counter = RequestCounter(web_load_dir(broker), "4242")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.01):
            for _ in range(10):
                self.counter.tick()

    def __enter__(self) -> _Surge:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.counter.close()


def _yielding_worker(
    tmp_path: Path, name: str, longest: float
) -> tuple[Path, FastPublisher, list[str], Celery]:
    """A broker file, its publisher, and a counting app whose worker yields from 50 requests/s
    of the web for at most ``longest`` seconds."""
    path = tmp_path / "broker.sqlite"
    url = f"sqla+sqlite:///{path}"
    seen: list[str] = []
    app = _counting_app(url, seen, name)
    app.conf.broker_transport_options = {"yield_rate": 50, "yield_longest": longest}
    return path, FastPublisher(url), seen, app


def test_the_worker_takes_no_task_during_a_surge_of_web_requests_and_all_of_them_after(
    tmp_path: Path,
) -> None:
    path, publisher, seen, app = _yielding_worker(tmp_path, f"{TASK}.surge", longest=60)
    with running_worker(app), _Surge(path) as surge:
        time.sleep(1.0)  # the worker has looked at the web a few times
        for deal in range(20):
            publisher.send(f"{TASK}.surge", [1, str(deal)])
        time.sleep(1.5)
        assert seen == []  # acknowledged, on disk, waiting
        assert [row[1] for row in _rows(path)] == [1] * 20
        surge.stop.set()
        _wait(lambda: len(seen) >= 20)
    assert sorted(seen, key=int) == [str(d) for d in range(20)]


def test_a_surge_longer_than_the_longest_yield_does_not_hold_the_tasks_back(
    tmp_path: Path,
) -> None:
    path, publisher, seen, app = _yielding_worker(tmp_path, f"{TASK}.long-surge", longest=1)
    with running_worker(app), _Surge(path):
        time.sleep(0.6)
        for deal in range(5):
            publisher.send(f"{TASK}.long-surge", [1, str(deal)])
        _wait(lambda: len(seen) >= 5, timeout=15)  # the surge goes on
        assert sorted(seen) == ["0", "1", "2", "3", "4"]
