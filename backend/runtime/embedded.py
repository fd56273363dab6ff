"""``rentflow serve``'s worker: supervised, with its health checked and its dead runs closed."""

from __future__ import annotations

import logging
import sys

from backend.bootstrap import Container
from backend.runtime.health import check_broker, check_disk
from backend.runtime.supervisor import Supervisor
from backend.services.health import close_interrupted_runs

log = logging.getLogger("rentflow.supervisor")


def supervised_worker(container: Container) -> Supervisor:
    """A supervisor of ``rentflow worker`` (with the embedded beat on the SQLite broker).

    On the embedded broker this worker is the only one: when it dies, every billing run still
    "running" was its own and is closed as "interrupted" (the task itself is given back to the
    queue by the next worker's start, ``jobs.sqlite_broker``), and so are those left by a
    ``rentflow serve`` that was killed before this one started."""
    settings = container.settings
    args = ["--beat"] if settings.embedded_broker else []

    def diagnose() -> str:
        broker = check_broker(settings.celery_broker_url)
        return f"broker: {broker.detail}; disk: {check_disk(settings.var_dir).detail}"

    def close_runs() -> None:
        closed = close_interrupted_runs(container.uow, container.clock)
        if closed:
            log.warning("%d billing run(s) of the dead worker closed as interrupted", closed)

    if settings.embedded_broker:
        close_runs()
    return Supervisor(
        [sys.executable, "-m", "backend.cli", "worker", *args],
        diagnose=diagnose,
        on_death=close_runs if settings.embedded_broker else None,
    )
