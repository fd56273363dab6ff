"""The Celery application: embedded (SQLite broker, beat inside the worker) or Redis."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init
from kombu import Exchange, Queue

from backend import queued_tasks
from backend.bootstrap import tune_gc_for_batch_work
from backend.config import Settings
from backend.runtime.sqlite_broker import kombu_url
from jobs.heartbeat import VAR_DIR_KEY, Heartbeat
from jobs.retry import REDIS_VISIBILITY_TIMEOUT
from jobs.schedule import beat_schedule

# How often the embedded broker's worker looks for a new task (kombu's virtual transports
# default to 1 s). A look is one indexed SELECT on the broker file, so five a second cost
# nothing when idle, and a deal moved in the CRM waits ~0.1 s, not up to 1 s, for its task.
EMBEDDED_POLL_SECONDS = 0.2
TIMER_PRECISION_SECONDS = 0.1

# Celery's form of ``backend.queued_tasks``' queues (listed, so every worker takes from each)
QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in queued_tasks.QUEUES)
ROUTES = {task: {"queue": queue} for task, queue in queued_tasks.QUEUE_OF.items()}


def make_celery(settings: Settings) -> Celery:
    """Build the Celery app for ``settings``; nothing connects until a worker or send runs."""
    app = Celery(
        "rentflow",
        broker=kombu_url(settings.celery_broker_url),
        include=["jobs.tasks", "jobs.bulk_tasks", "jobs.cabinet_tasks", "jobs.channel_tasks"],
    )
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # a task killed mid-run is redelivered; services are idempotent
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queued_tasks.DEFAULT_QUEUE,
        task_queues=QUEUES,
        task_routes=ROUTES,
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(settings),
        beat_schedule_filename=str(settings.var_dir / "celerybeat-schedule"),
        broker_connection_retry_on_startup=True,
        broker_transport_options=broker_transport_options(settings),
        # the worker's timer thread sleeps at most this long between its entries, and a warm
        # shutdown waits for it (Celery's default: 1 s); ten wake-ups a second cost nothing
        worker_timer_precision=TIMER_PRECISION_SECONDS,
    )
    app.conf[VAR_DIR_KEY] = str(settings.var_dir)
    app.steps["consumer"].add(Heartbeat)
    if settings.embedded_broker:
        # kombu's SQLAlchemy transport (single node only: "using more than a few workers" may
        # run a message twice, docs.celeryq.dev/en/3.1/getting-started/brokers/sqlalchemy.html)
        # keeps its queue in its own SQLite file under var/, apart from the app database
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    return app


def broker_transport_options(settings: Settings) -> dict[str, Any]:
    """Redis: the visibility timeout. The embedded SQLite broker gives back what a dead worker
    held when the next one starts (``backend.runtime.sqlite_broker``); its worker looks for a
    new task every ``EMBEDDED_POLL_SECONDS`` and yields to a surge of web requests
    (``backend.runtime.web_load``)."""
    if settings.celery_broker_url.startswith(("redis://", "rediss://")):
        return {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
    return {
        "polling_interval": EMBEDDED_POLL_SECONDS,
        "yield_rate": settings.worker_yield_rate,
        "yield_longest": settings.worker_yield_seconds,
    }


@worker_process_init.connect
def _tune_worker_process(**_: Any) -> None:
    """Each prefork child renders the billing day's PDFs: tune its garbage collector."""
    tune_gc_for_batch_work()


@worker_init.connect
def _load_pdf_engines(**_: Any) -> None:
    """Before the prefork children are forked: they inherit the PDF engines (issue 18)."""
    from documents.publishing import preload

    preload()
