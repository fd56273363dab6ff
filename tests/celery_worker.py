"""A real Celery worker in a thread of the test process, quick to start and to stop.

``celery.contrib.testing.worker.start_worker`` stops its worker by raising a flag that the
worker's loop reads between two waits for a message. On the embedded broker's transport
(``backend.runtime.sqlite_transport``) one wait lasts up to ``SHUTDOWN_LOOK`` (``synloop``
asks for 2 s), polling the queue every ``polling_interval``; and the worker's timer thread,
which the stop joins, sleeps up to ``worker_timer_precision`` (1 s) between its entries. So
a stop cost up to a second or two, and every task waited for the next poll to be picked up.
Here the queue is polled every 20 ms, the timer wakes every 50 ms, and the stop
sends ``celery.ping`` messages that end the waits at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

from celery import Celery
from celery.contrib.testing import tasks as testing_tasks
from celery.contrib.testing.worker import start_worker
from celery.worker import WorkController, state

POLL_SECONDS = 0.02
TIMER_SECONDS = 0.05
# start_worker's own guard: a task still running after this long fails the test
SHUTDOWN_TIMEOUT = 10.0


@contextmanager
def running_worker(app: Celery) -> Iterator[WorkController]:
    """Run a solo-pool worker of ``app`` for the ``with`` block; yields the worker."""
    # the interval is the worker's own (its connection's transport options)
    options = {**app.conf.broker_transport_options}
    if not str(app.conf.broker_url).startswith(("redis://", "rediss://")):  # the embedded one
        options["polling_interval"] = POLL_SECONDS
    with (
        patch.dict(app.conf, broker_transport_options=options),
        start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            timer_precision=TIMER_SECONDS,
        ) as worker,
    ):
        try:
            yield worker
        finally:
            state.should_terminate = 0  # what start_worker sets on exit, raised early ...
            # ... and the loop woken to read it: one message ends the current wait, the other
            # the wait synloop runs once more in the ``finally`` around its flag check
            for _ in range(2):
                app.send_task(testing_tasks.ping.name)
