"""A task queued by ``FastPublisher`` is run by an ordinary Celery worker, on each broker."""

from __future__ import annotations

import os
import time
from pathlib import Path
from unittest.mock import patch

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


_RAN: list[str] = []  # what the tasks below ran, in order (one app at a time uses them)
# stand-ins for ``billing_run_chunk`` and ``deliver_outbox``: a test app registering the real
# names would be handed ``jobs.tasks``' shared tasks too, which then clash with these
CHUNK, DELIVER = "test.queues.chunk", "test.queues.deliver"


def _chunk(n: int) -> None:
    _RAN.append(f"chunk {n}")


def _deliver() -> None:
    _RAN.append("mail")


def _order(url: str) -> list[str]:
    """Six chunks of a portal's run queued at once, then a delivery of their mail: the order
    a worker with the rentflow app's queues runs them in (a delivery routed as
    ``deliver_outbox`` is)."""
    from backend.queued_tasks import DELIVER_OUTBOX, QUEUE_OF
    from jobs.celery_app import QUEUES, ROUTES

    _RAN.clear()
    app = Celery(f"test-publish-queues-{url[:5]}", broker=kombu_url(url), set_as_current=False)
    app.conf.update(
        task_acks_late=True, task_ignore_result=True, worker_prefetch_multiplier=1,
        task_queues=QUEUES, task_routes={DELIVER: ROUTES[DELIVER_OUTBOX]},
    )  # fmt: skip
    app.task(name=CHUNK)(_chunk)
    app.task(name=DELIVER)(_deliver)

    with patch.dict(QUEUE_OF, {DELIVER: QUEUE_OF[DELIVER_OUTBOX]}):
        publisher = FastPublisher(url)
        publisher.send_many(CHUNK, [[n] for n in range(6)])
        publisher.send(DELIVER, [])
    with running_worker(app):
        deadline = time.monotonic() + 20
        while len(_RAN) < 7 and time.monotonic() < deadline:
            time.sleep(0.05)
    publisher.close()
    return list(_RAN)


def test_the_outbox_delivery_has_a_queue_of_its_own(tmp_path: Path) -> None:
    from backend.config import Settings
    from backend.queued_tasks import DEFAULT_QUEUE, DELIVER_OUTBOX, MAIL_QUEUE
    from jobs.celery_app import make_celery

    settings = Settings(var_dir=tmp_path)  # the embedded broker under it
    router = make_celery(settings).amqp.router
    assert router.route({}, DELIVER_OUTBOX)["queue"].name == MAIL_QUEUE
    assert router.route({}, "jobs.tasks.billing_run_chunk")["queue"].name == DEFAULT_QUEUE


def _check_order(ran: list[str]) -> None:
    assert sorted(ran) == sorted([*(f"chunk {n}" for n in range(6)), "mail"])
    assert ran.index("mail") < ran.index("chunk 5"), ran


def test_a_delivery_queued_behind_a_runs_chunks_goes_before_the_last_of_them(
    tmp_path: Path,
) -> None:
    """The outbox's deliveries have a queue of their own, which the worker takes from in
    turn with the default one: a large portal's tenants get mail while its run goes on."""
    _check_order(_order(f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"))


@pytest.mark.redis
def test_a_delivery_queued_behind_a_runs_chunks_goes_before_the_last_of_them_on_redis() -> None:
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("TEST_REDIS_URL not set (scripts/test-services.sh starts Redis)")
    _check_order(_order(os.environ["TEST_REDIS_URL"]))
