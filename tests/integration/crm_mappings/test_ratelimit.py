"""One rate limit per portal across processes: two limiters on one store (as two worker
processes would be) share the budget, and a refusal pauses both."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crm_mappings.ratelimit import RedisStore, SharedBucket, SqliteStore, Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _two_processes(store_a: Store, store_b: Store, waits: list[float]) -> list[SharedBucket]:
    return [SharedBucket(s, "bitrix24:portal-1", burst=4, drain=2, sleep=waits.append)
            for s in (store_a, store_b)]  # fmt: skip


def test_two_workers_share_one_portal_budget(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "ratelimit.sqlite"
    waits: list[float] = []
    first, second = _two_processes(SqliteStore(path, clock), SqliteStore(path, clock), waits)
    for _ in range(2):
        first.acquire()
        second.acquire()
    assert waits == []  # the burst of 4, spent by both together
    first.acquire()
    second.acquire()
    assert waits == [0.5, 1.0]  # then 2 a second, whoever asks


def test_a_refusal_pauses_every_worker_of_the_portal(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "ratelimit.sqlite"
    waits: list[float] = []
    first, second = _two_processes(SqliteStore(path, clock), SqliteStore(path, clock), waits)
    first.back_off(10)
    second.acquire()
    assert waits == [10.0]
    other_portal = SharedBucket(SqliteStore(path, clock), "bitrix24:portal-2", 4, 2, waits.append)
    other_portal.acquire()
    assert waits == [10.0]


def test_the_budget_refills_with_time(tmp_path: Path) -> None:
    clock = Clock()
    waits: list[float] = []
    store = SqliteStore(tmp_path / "r.sqlite", clock)
    bucket = SharedBucket(store, "bitrix24:portal-1", burst=4, drain=2, sleep=waits.append)
    for _ in range(4):
        bucket.acquire()
    clock.now += 1.0  # two requests drained
    bucket.acquire()
    bucket.acquire()
    assert waits == []


@pytest.mark.redis
def test_two_workers_share_one_portal_budget_on_redis() -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    import redis

    redis.Redis.from_url(url).delete("rentflow:ratelimit:bitrix24:portal-1")
    waits: list[float] = []
    first, second = _two_processes(RedisStore(url), RedisStore(url), waits)
    for _ in range(2):
        first.acquire()
        second.acquire()
    assert waits == []
    first.back_off(5)
    second.acquire()
    assert len(waits) == 1
    assert 4.5 < waits[0] <= 5.0
