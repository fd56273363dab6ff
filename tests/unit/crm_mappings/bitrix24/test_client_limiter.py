"""The client-side leaky bucket waits instead of letting the portal refuse calls."""

from __future__ import annotations

from crm_mappings.ratelimit import LeakyBucket


class _Time:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_burst_passes_without_waiting() -> None:
    t = _Time()
    bucket = LeakyBucket(burst=5, drain=2, clock=t.clock, sleep=t.sleep)

    for _ in range(5):
        bucket.acquire()

    assert t.slept == []


def test_beyond_the_burst_each_call_waits_for_the_drain() -> None:
    t = _Time()
    bucket = LeakyBucket(burst=5, drain=2, clock=t.clock, sleep=t.sleep)

    for _ in range(7):
        bucket.acquire()

    assert t.slept == [0.5, 0.5]


def test_time_passing_empties_the_bucket() -> None:
    t = _Time()
    bucket = LeakyBucket(burst=5, drain=2, clock=t.clock, sleep=t.sleep)
    for _ in range(5):
        bucket.acquire()

    t.now += 10
    bucket.acquire()

    assert t.slept == []
