"""Each part of ``/healthz``: the worker's heartbeat, the broker, the outbox, killed runs."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import pytest

from backend.bootstrap import Container
from backend.domain.messages import OutboxMessage
from backend.ports import FixedClock
from backend.runtime.health import OUTBOX_STALE, check_broker, check_health, check_worker
from backend.runtime.heartbeat import HEARTBEAT_STALE, REDIS_PREFIX, FileHeartbeat, RedisHeartbeat
from backend.runtime.supervisor import WorkerState
from backend.services.health import close_interrupted_runs


def test_a_fresh_heartbeat_is_healthy_and_a_silent_one_is_not(tmp_path: Path) -> None:
    beat = FileHeartbeat(tmp_path / "worker.heartbeat")
    assert not check_worker(beat).ok
    beat.beat("w1")
    assert check_worker(beat).ok
    old = time.time() - HEARTBEAT_STALE - 5
    os.utime(beat.path, (old, old))
    assert "no heartbeat for" in check_worker(beat).detail


def test_a_restarted_worker_is_unhealthy_until_it_beats_again(tmp_path: Path) -> None:
    beat = FileHeartbeat(tmp_path / "worker.heartbeat")
    beat.beat("old worker")
    old = time.time() - 3
    os.utime(beat.path, (old, old))
    dead = WorkerState(False, None, time.time(), 1, "worker pid 7 killed by SIGKILL")
    assert check_worker(beat, dead).detail == "worker pid 7 killed by SIGKILL"
    starting = WorkerState(True, 8, time.time(), 1, "running")
    assert not check_worker(beat, starting).ok
    beat.beat("new worker")
    assert check_worker(beat, starting).ok


def test_an_unreadable_broker_file_is_reported(tmp_path: Path) -> None:
    broker = tmp_path / "broker.sqlite"
    assert "does not exist" in check_broker(f"sqla+sqlite:///{broker}").detail
    broker.write_bytes(b"this is not a database" * 100)
    part = check_broker(f"sqla+sqlite:///{broker}")
    assert not part.ok
    assert "unreadable" in part.detail


def test_a_readable_broker_counts_its_waiting_tasks(tmp_path: Path) -> None:
    broker = tmp_path / "broker.sqlite"
    with sqlite3.connect(broker) as db:
        db.execute("CREATE TABLE kombu_message (id INTEGER PRIMARY KEY, visible BOOLEAN)")
        db.executemany("INSERT INTO kombu_message (visible) VALUES (?)", [(1,), (1,), (0,)])
    part = check_broker(f"sqla+sqlite:///{broker}")
    assert part.ok
    assert part.numbers["waiting"] == 2


def test_an_outbox_message_due_too_long_makes_the_outbox_unhealthy(
    container: Container, clock: FixedClock
) -> None:
    with container.uow(None) as uow:
        uow.outbox.add(
            OutboxMessage(
                portal_id=None, dedup_key="k1", recipients=("a@example.com",),
                subject="s", body_text="b",
            ),
            clock.now(),
        )  # fmt: skip
        uow.commit()
    report = check_health(container.settings, container.uow, clock, worker=False)
    assert report.parts["outbox"].ok
    clock.set(clock.now() + timedelta(seconds=OUTBOX_STALE + 60))
    report = check_health(container.settings, container.uow, clock, worker=False)
    assert "outbox" in report.unhealthy
    assert report.as_json()["parts"]["outbox"]["oldest_due_age_s"] == OUTBOX_STALE + 60


def test_a_run_left_running_by_a_dead_worker_is_closed_as_interrupted(
    container: Container, clock: FixedClock
) -> None:
    with container.uow(None) as uow:
        uow.runs.start(clock.today(), clock.now())
        uow.commit()
    clock.set(clock.now() + timedelta(minutes=5))
    assert close_interrupted_runs(container.uow, clock) == 1
    with container.uow(None) as uow:
        [run] = uow.runs.recent()
    assert run["status"] == "interrupted"
    assert run["finished_at"] == clock.now()


@pytest.mark.redis
def test_scaled_out_workers_beat_in_redis_and_the_newest_counts() -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    beats = RedisHeartbeat(url)
    for key in beats.redis.scan_iter(f"{REDIS_PREFIX}*"):
        beats.redis.delete(key)
    assert not check_worker(beats).ok
    beats.redis.set(f"{REDIS_PREFIX}old-host", repr(time.time() - 600))
    assert "no heartbeat for" in check_worker(beats).detail
    beats.beat("new-host")
    assert check_worker(beats).ok
