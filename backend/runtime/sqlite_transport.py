"""kombu's transport over ``BrokerFile`` (``backend.runtime.sqlite_broker`` says why): the
channel takes messages in small batches within its prefetch, deletes a message's row when it is
acked or dropped, and makes a given-back message visible again at its old place. While the web
processes beside it answer a surge of requests, it takes none (``backend.runtime.web_load``:
the transport options ``yield_rate`` and ``yield_longest``)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import virtual

from backend.config import WORKER_YIELD_RATE, WORKER_YIELD_SECONDS
from backend.runtime.sqlite_broker import TAKE_MOST, BrokerFile, broker_file
from backend.runtime.web_load import WebLoad, Yielding, web_load_dir

SHUTDOWN_LOOK = 0.25  # seconds the worker loop waits for a message before it looks at a SIGTERM


class Channel(virtual.Channel):
    """kombu's virtual channel over ``BrokerFile``."""

    # requests a second of the web from which no task is taken, and for how long at most
    from_transport_options = (
        *virtual.Channel.from_transport_options, "yield_rate", "yield_longest",
    )  # fmt: skip
    yield_rate: float = WORKER_YIELD_RATE
    yield_longest: float = WORKER_YIELD_SECONDS

    def __init__(self, connection: Any, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self._held: dict[str, int] = {}  # delivery tag -> row id of the messages taken here
        self._taken: dict[str, list[tuple[int, dict[str, Any]]]] = {}  # not yet delivered
        self._yielding: Yielding | None = None  # built by the first take (never in a web)

    @property
    def file(self) -> BrokerFile:
        client = self.connection.client
        if client is None:
            raise RuntimeError("a channel used after its connection closed")
        hostname = str(client.hostname)
        return broker_file(hostname.removeprefix("sqlite:///"))

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        self.file.queue_id(queue)

    def _put(self, queue: str, message: dict[str, Any], **kwargs: Any) -> None:
        self.file.put(queue, message)

    def put_many(self, queue: str, messages: list[dict[str, Any]]) -> None:
        """``_put`` of several messages in one durable write (``FastPublisher.send_many``)."""
        self.file.put_many(queue, messages)

    def _get(self, queue: str, timeout: float | None = None) -> dict[str, Any]:
        taken = self._taken.setdefault(queue, [])
        if not taken and self._yields():
            raise Empty()
        if not taken:
            room = self.qos.can_consume_max_estimate()  # None: no prefetch limit
            taken.extend(self.file.take(queue, max(1, min(TAKE_MOST, room or TAKE_MOST))))
        if not taken:
            raise Empty()
        row_id, payload = taken.pop(0)
        self._held[payload["properties"]["delivery_tag"]] = row_id
        return payload

    def _yields(self) -> bool:
        """Whether the web is answering a surge: then no new task is taken (see the module)."""
        if self._yielding is None:
            broker = self.file
            load = WebLoad(web_load_dir(Path(broker.path)))
            self._yielding = Yielding(
                load, float(self.yield_rate), float(self.yield_longest), waiting=broker.waiting
            )
        return self._yielding.now()

    def close(self) -> None:
        broker: BrokerFile | None = None
        with contextlib.suppress(sqlite3.Error):  # an unreadable file: all is run again
            broker = self.file if self.connection is not None else None
        super().close()  # gives back what was delivered and not acked (``_restore``)
        if broker is not None:
            with contextlib.suppress(sqlite3.Error):
                for taken in self._taken.values():  # taken here but never delivered
                    for row_id, _ in taken:
                        broker.give_back(row_id)
                broker.flush_acks()  # a worker stopping cleanly leaves no acked row behind
        self._taken.clear()

    def _size(self, queue: str) -> int:
        return self.file.size(queue)

    def _purge(self, queue: str) -> int:
        return self.file.purge(queue)

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)
        row_id = self._held.pop(delivery_tag, None)
        if row_id is not None:
            self.file.forget(row_id)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)  # requeue: _restore below
        row_id = self._held.pop(delivery_tag, None)
        if row_id is not None:
            self.file.forget(row_id)

    def _restore(self, message: Any) -> None:
        row_id = self._held.pop(message.delivery_tag, None)
        if row_id is None:
            super()._restore(message)
        else:
            self.file.give_back(row_id)


class Transport(virtual.Transport):
    Channel = Channel
    can_parse_url = True
    default_port = 0
    driver_type = "sql"
    driver_name = "sqlite3"
    # a full disk, a locked or unreadable file: the worker reconnects with back-off
    connection_errors = (sqlite3.Error,)

    def driver_version(self) -> str:
        return sqlite3.sqlite_version

    # kombu's base declares ``**kwargs``; its virtual transport, as this, takes ``timeout``
    def drain_events(self, connection: Any, timeout: float | None = None) -> None:  # type: ignore[override]
        """kombu's, with a given wait cut to ``SHUTDOWN_LOOK`` seconds: Celery's worker loop
        for a polling transport (``celery.worker.loops.synloop``) waits here with
        ``timeout=2.0`` and looks for a shutdown request only between waits."""
        if timeout is not None:
            timeout = min(timeout, SHUTDOWN_LOOK)
        super().drain_events(connection, timeout=timeout)
