"""The worker's heartbeat as a consumer bootstep: it beats while the consumer is connected to
the broker (the step stops when the connection is lost and starts again with it), so a worker
cut off from its broker goes silent and ``/healthz`` says so."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

from celery import bootsteps

from backend.runtime.heartbeat import HEARTBEAT_EVERY, HeartbeatStore, heartbeat_store

log = logging.getLogger(__name__)
VAR_DIR_KEY = "rentflow_var_dir"  # the app's conf names the var directory (make_celery)


class Heartbeat(bootsteps.StartStopStep):
    """Beats every ``HEARTBEAT_EVERY`` seconds on the worker's timer."""

    requires = ("celery.worker.consumer.connection:Connection",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref: Any = None
        self.store: HeartbeatStore | None = None
        self.worker_name = f"{socket.gethostname()}:{parent.hostname}"

    def start(self, parent: Any) -> None:
        conf = parent.app.conf
        self.store = heartbeat_store(Path(conf[VAR_DIR_KEY]), conf.broker_url)
        self._beat()
        self.tref = parent.timer.call_repeatedly(HEARTBEAT_EVERY, self._beat)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    shutdown = stop

    def _beat(self) -> None:
        if self.store is None:
            raise RuntimeError("the timer beats only after start() opened the store")
        try:
            self.store.beat(self.worker_name)
        except Exception:  # a missed beat is what /healthz reports; the worker goes on
            log.exception("the worker heartbeat could not be written")
