"""A real Celery worker in a thread of the test process, quick to start and to stop.

``celery.contrib.testing.worker.start_worker`` stops its worker by raising a flag that the
worker's loop reads between two waits for a message. On kombu's SQLAlchemy transport (the
embedded broker) one wait lasts 2 s (``synloop``'s ``drain_events(timeout=2.0)``), polling the
queue table every second (``Transport.polling_interval``), so every stop cost 2-4 s and every
task waited up to 1 s to be picked up. Here the queue is polled every 20 ms, and the stop
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
from kombu.transport.sqlalchemy import Transport as SqlaTransport

POLL_SECONDS = 0.02
# start_worker's own guard: a task still running after this long fails the test
SHUTDOWN_TIMEOUT = 10.0


@contextmanager
def running_worker(app: Celery) -> Iterator[WorkController]:
    """Run a solo-pool worker of ``app`` for the ``with`` block; yields the worker."""
    # the SQLAlchemy transport hands every transport option to create_engine(), so the
    # interval is set on the class, for the life of this worker only
    with (
        patch.object(SqlaTransport, "polling_interval", POLL_SECONDS),
        start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=SHUTDOWN_TIMEOUT
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
