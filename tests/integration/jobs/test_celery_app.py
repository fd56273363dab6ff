"""A real Celery worker runs a real task through each broker: the embedded SQLite transport
and, when TEST_REDIS_URL is set, Redis. No eager mode."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import pytest

from backend.bootstrap import Container
from backend.services.health import pings
from jobs import tasks
from jobs.celery_app import EMBEDDED_POLL_SECONDS, TIMER_PRECISION_SECONDS, make_celery
from tests.celery_worker import running_worker


def _wait_for(container: Container, note: str, timeout: float = 20.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = pings(container.uow)
        if note in seen:
            return seen
        time.sleep(0.1)
    return pings(container.uow)


def _run_ping_through(container: Container, broker_url: str, note: str) -> list[str]:
    app = make_celery(replace(container.settings, celery_broker_url=broker_url))
    with running_worker(app):
        app.send_task(tasks.ping.name, args=(note,))
        return _wait_for(container, note)


def test_a_task_runs_through_the_embedded_sqlite_broker(worker_container: Container) -> None:
    broker = worker_container.settings.celery_broker_url
    assert broker.startswith("sqla+sqlite:///")
    assert _run_ping_through(worker_container, broker, "sqlite-broker") == ["sqlite-broker"]


@pytest.mark.redis
def test_a_task_runs_through_a_real_redis_broker(worker_container: Container) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    assert _run_ping_through(worker_container, redis_url, "redis-broker") == ["redis-broker"]


def test_the_embedded_worker_looks_for_tasks_several_times_a_second(
    worker_container: Container,
) -> None:
    """kombu's own default is once a second: a deal moved in the CRM would wait up to that."""
    app = make_celery(worker_container.settings)
    with app.connection_for_read() as conn:
        assert conn.transport.polling_interval == EMBEDDED_POLL_SECONDS <= 0.25


def test_a_stopping_worker_waits_a_tenth_of_a_second_for_its_timer(container: Container) -> None:
    """A warm shutdown joins the worker's timer thread, which sleeps up to this long."""
    app = make_celery(container.settings)
    assert app.conf.worker_timer_precision == TIMER_PRECISION_SECONDS <= 0.1


def test_the_embedded_worker_yields_to_the_web_as_the_settings_say(
    worker_container: Container,
) -> None:
    """``WORKER_YIELD_RATE`` / ``WORKER_YIELD_SECONDS`` reach the channel that takes tasks
    (``backend.runtime.web_load``); unset, they are the transport's own defaults, which a
    worker built without them (the bench's counting one) yields by."""
    from backend.config import Settings
    from backend.runtime.sqlite_transport import Channel

    settings = replace(worker_container.settings, worker_yield_rate=80, worker_yield_seconds=7)
    with make_celery(settings).connection_for_read() as conn:
        channel = conn.default_channel
        assert (channel.yield_rate, channel.yield_longest) == (80, 7)
    shipped = Settings()
    assert (shipped.worker_yield_rate, shipped.worker_yield_seconds) == (500, 120)
    assert (Channel.yield_rate, Channel.yield_longest) == (500, 120)
