"""Publishing a task at the cost of its write (``FastPublisher``)."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from backend.queued_tasks import QUEUES, queue_of
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
    Several tasks queued by one request (``send_many``) are stored in one write.
    Thread-safe: both ``_put`` take their own connection or lock."""

    def __init__(self, broker_url: str) -> None:
        from celery import Celery
        from celery.utils.nodenames import anon_nodename

        self.app = Celery("rentflow-publisher", broker=kombu_url(broker_url), set_as_current=False)
        # Redis: a connection per web thread publishing at once (kombu's default is 10)
        self.app.conf.broker_transport_options = {"max_connections": MAX_CONNECTIONS}
        self._connection = self.app.connection_for_write()
        channel: Any = self._connection.default_channel
        # the workers' queues, each bound to the exchange of its name (as Celery declares them)
        for queue in QUEUES:
            channel.queue_declare(queue, passive=False, durable=True, auto_delete=False)
        self._channel = channel
        self._origin = anon_nodename()  # the sender's name in each message (Celery: per call)
        # task ids and delivery tags: a random 128-bit start per process, then counting up.
        # kombu's uuid4 reads os.urandom each time, which lets go of the GIL: twice a message,
        # each a wait of up to 5 ms to get it back behind 32 busy web threads
        self._id_base = uuid.uuid4().int
        self._ids = itertools.count()

    def send(self, name: str, args: list[Any]) -> str:
        """Queue task ``name`` with ``args``; returns once it is on disk."""
        return self.send_many(name, [args])[0]

    def send_many(self, name: str, calls: list[list[Any]]) -> list[str]:
        """Queue task ``name`` once per args in ``calls``, all in one write (the SQLite broker's
        transaction, one Redis MULTI/EXEC) on the task's queue (``queued_tasks.queue_of``);
        returns once they are stored."""
        from kombu.serialization import dumps

        queue = queue_of(name)
        ids, envelopes = [], []
        for args in calls:
            task_id = self._new_id()
            message = self.app.amqp.as_task_v2(
                task_id, name, args=tuple(args), kwargs={}, argsrepr=repr(args),
                kwargsrepr="{}", origin=self._origin,
            )  # fmt: skip
            content_type, encoding, body = dumps(message.body, serializer="json")
            properties = {**message.properties, "delivery_mode": 2}
            envelope = self._channel.prepare_message(
                body, None, content_type, encoding, message.headers, properties
            )
            self._augment(envelope, queue)
            ids.append(task_id)
            envelopes.append(envelope)
        self._put_many(queue, envelopes)
        return ids

    def _new_id(self) -> str:
        """A UUID-shaped id no other message has (unique across processes: random start)."""
        number = (self._id_base + next(self._ids)) % (1 << 128)
        return str(uuid.UUID(int=number, version=4))

    def _augment(self, envelope: dict[str, Any], queue: str) -> None:
        """kombu's ``Channel._inplace_augment_message`` (kombu/transport/virtual/base.py), with
        a delivery tag of ``_new_id`` instead of a fresh uuid4 (the tag names the message among
        a worker's unacked ones, so it is as unique)."""
        channel = self._channel
        envelope["body"], body_encoding = channel.encode_body(
            envelope["body"], channel.body_encoding
        )
        properties = envelope["properties"]
        properties.update(body_encoding=body_encoding, delivery_tag=self._new_id())
        properties["delivery_info"].update(exchange=queue, routing_key=queue)

    def _put_many(self, queue: str, envelopes: list[dict[str, Any]]) -> None:
        channel = self._channel
        if len(envelopes) == 1:
            channel._put(queue, envelopes[0])
        elif hasattr(channel, "put_many"):  # the SQLite broker's channel
            channel.put_many(queue, envelopes)
        elif hasattr(channel, "conn_or_acquire"):  # Redis: kombu's ``_put``, in one MULTI
            from kombu.utils.json import dumps as kombu_json

            with channel.conn_or_acquire() as client, client.pipeline(transaction=True) as pipe:
                for envelope in envelopes:
                    priority = channel._get_message_priority(envelope, reverse=False)
                    pipe.lpush(channel._q_for_pri(queue, priority), kombu_json(envelope))
                pipe.execute()
        else:
            for envelope in envelopes:
                channel._put(queue, envelope)

    def close(self) -> None:
        self._connection.release()
