"""A task queued by ``FastPublisher`` is run by an ordinary Celery worker, on each broker."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from celery import Celery

from backend.runtime.publish import FastPublisher
from backend.runtime.sqlite_broker import kombu_url
from tests.celery_worker import running_worker


def _run(url: str, name: str, calls: int = 1) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    app = Celery(f"test-publish-{name}", broker=kombu_url(url), set_as_current=False)
    app.conf.update(task_acks_late=True, task_ignore_result=True)

    @app.task(name=name)
    def task(portal_id: int, deal_id: str) -> None:
        seen.append((portal_id, deal_id))

    with running_worker(app):
        if calls == 1:
            FastPublisher(url).send(name, [7, "deal-9"])
        else:  # one webhook naming several leads: one write
            FastPublisher(url).send_many(name, [[7, f"deal-{n}"] for n in range(calls)])
        deadline = time.monotonic() + 20
        while len(seen) < calls and time.monotonic() < deadline:
            time.sleep(0.05)
    return seen


def test_a_fast_published_task_is_run_on_the_embedded_broker(tmp_path: Path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    assert _run(url, "test.publish.sqlite") == [(7, "deal-9")]


@pytest.mark.redis
def test_a_fast_published_task_is_run_on_redis() -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    assert _run(url, "test.publish.redis") == [(7, "deal-9")]


def test_tasks_published_together_are_each_run_on_the_embedded_broker(tmp_path: Path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    ran = _run(url, "test.publish.sqlite.many", calls=5)
    assert sorted(ran) == [(7, f"deal-{n}") for n in range(5)]


@pytest.mark.redis
def test_tasks_published_together_are_each_run_on_redis() -> None:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    ran = _run(url, "test.publish.redis.many", calls=5)
    assert sorted(ran) == [(7, f"deal-{n}") for n in range(5)]
