"""Publishing a task at the cost of its write (``FastPublisher``)."""

from __future__ import annotations

from typing import Any

from backend.runtime.sqlite_broker import kombu_url

MAX_CONNECTIONS = 64


class FastPublisher:
    """Queue tasks without kombu's producer machinery, on the embedded broker or Redis.

    ``Celery.send_task`` spends about 0.7 ms of CPU a call around the write itself (the
    connection pool, ``ensure``'s retry wrapper, ``maybe_declare``); an acknowledged webhook
    needs only the message and its write. The message is Celery's own (``as_task_v2``,
    protocol 2) in kombu's envelope (``prepare_message`` and the virtual channel's
    augmentation), exactly as ``Producer.publish`` builds it, and the channel's own ``_put``
    stores it (the SQLite broker's durable row, Redis's LPUSH), so the worker cannot tell.
    Thread-safe: both ``_put`` take their own connection or lock."""

    def __init__(self, broker_url: str) -> None:
        from celery import Celery

        self.app = Celery("rentflow-publisher", broker=kombu_url(broker_url), set_as_current=False)
        # Redis: a connection per web thread publishing at once (kombu's default is 10)
        self.app.conf.broker_transport_options = {"max_connections": MAX_CONNECTIONS}
        self.queue = str(self.app.conf.task_default_queue)
        self._connection = self.app.connection_for_write()
        channel: Any = self._connection.default_channel
        # the worker's queue, bound to the exchange of its name (as Celery declares it)
        channel.queue_declare(self.queue, passive=False, durable=True, auto_delete=False)
        self._channel = channel

    def send(self, name: str, args: list[Any]) -> str:
        """Queue task ``name`` with ``args``; returns once it is on disk."""
        from kombu.serialization import dumps
        from kombu.utils.uuid import uuid

        task_id = uuid()
        message = self.app.amqp.as_task_v2(
            task_id, name, args=tuple(args), kwargs={}, argsrepr=repr(args), kwargsrepr="{}"
        )
        content_type, encoding, body = dumps(message.body, serializer="json")
        properties = {**message.properties, "delivery_mode": 2}
        envelope = self._channel.prepare_message(
            body, None, content_type, encoding, message.headers, properties
        )
        self._channel._inplace_augment_message(envelope, self.queue, self.queue)
        self._channel._put(self.queue, envelope)
        return task_id

    def close(self) -> None:
        self._connection.release()
