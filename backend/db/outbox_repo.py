"""The outbox: messages to send, claimed and retried by the sender."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.db.tables import (
    OutboxRow,
)
from backend.domain.errors import NotFound
from backend.domain.messages import Attachment, MessageStatus, OutboxMessage


def _message_from_row(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        portal_id=row.portal_id,
        dedup_key=row.dedup_key,
        channel=row.channel,
        kind=row.kind,
        sender_name=row.sender_name,
        reply_to=row.reply_to,
        recipients=tuple(row.recipients or ()),
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        attachments=tuple(Attachment(**a) for a in row.attachments or []),
        status=MessageStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )


_TABLE: Any = OutboxRow.__table__
_QUEUE_ONCE: dict[str, Any] = {}  # dialect -> the statement (built once: its cache key too)
_MARK_SENT = (
    _TABLE.update()
    .where(_TABLE.c.id == bindparam("message_id"))
    .values(status=MessageStatus.SENT.value, sent_at=bindparam("sent_at"), last_error="")
)


def _queue_once(dialect: str) -> Any:
    if dialect not in _QUEUE_ONCE:
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _QUEUE_ONCE[dialect] = (
            insert(_TABLE)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(_TABLE.c.id)
        )
    return _QUEUE_ONCE[dialect]


class OutboxRepository:
    """Messages waiting to be sent. Global (the sender serves every portal)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage, now: datetime) -> bool:
        """Queue once: returns False (and queues nothing) when the dedup key is known.

        One ``INSERT ... ON CONFLICT (dedup_key) DO NOTHING`` (PostgreSQL, SQLite >= 3.24):
        a key queued meanwhile by another transaction is waited for and then left alone,
        as the unique key's error was, without a lookup and a savepoint around it."""
        values = {
            "portal_id": message.portal_id,
            "dedup_key": message.dedup_key,
            "channel": message.channel,
            "kind": message.kind,
            "sender_name": message.sender_name,
            "reply_to": message.reply_to,
            "recipients": list(message.recipients),
            "subject": message.subject,
            "body_text": message.body_text,
            "body_html": message.body_html,
            "attachments": [
                {"name": a.name, "storage_key": a.storage_key, "mime": a.mime}
                for a in message.attachments
            ],
            "next_attempt_at": now,
            "created_at": now,
        }
        statement = _queue_once(self.session.get_bind().dialect.name)
        return self.session.execute(statement, values).first() is not None

    def due(self, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.status == MessageStatus.PENDING.value, OutboxRow.next_attempt_at <= now
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        return [_message_from_row(r) for r in rows]

    def oldest_due(self, now: datetime) -> datetime | None:
        """When the oldest message still waiting to go out became due (None: none waits)."""
        return self.session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(
                OutboxRow.status == MessageStatus.PENDING.value, OutboxRow.next_attempt_at <= now
            )
        )

    def get(self, message_id: int) -> OutboxMessage:
        row = self.session.get(OutboxRow, message_id)
        if row is None:
            raise NotFound(f"message {message_id}")
        return _message_from_row(row)

    def claim_due(self, now: datetime, until: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Take up to ``limit`` due messages for sending: their next attempt moves to ``until``
        and their attempts count up, so no other worker takes them before then. The claim
        re-checks that a row is still due, so a row another worker claimed first is left out
        (PostgreSQL: rows locked by another claim are skipped)."""
        pending = (
            OutboxRow.status == MessageStatus.PENDING.value,
            OutboxRow.next_attempt_at <= now,
        )
        ids = list(
            self.session.scalars(
                select(OutboxRow.id)
                .where(*pending)
                .order_by(OutboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        claimed = list(
            self.session.scalars(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), *pending)
                .values(next_attempt_at=until, attempts=OutboxRow.attempts + 1)
                .returning(OutboxRow.id)
                .execution_options(synchronize_session=False)
            )
        )
        rows = self.session.scalars(
            select(OutboxRow).where(OutboxRow.id.in_(claimed)).order_by(OutboxRow.id)
        )
        return [_message_from_row(r) for r in rows]

    def release(self, message_ids: list[int], claimed_until: datetime, now: datetime) -> None:
        """Give back claimed messages that were not tried: due again, the attempt not counted."""
        self.session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(message_ids),
                OutboxRow.status == MessageStatus.PENDING.value,
                OutboxRow.next_attempt_at == claimed_until,
            )
            .values(next_attempt_at=now, attempts=OutboxRow.attempts - 1)
            .execution_options(synchronize_session=False)
        )

    def mark_sent(self, message_id: int, at: datetime) -> None:
        self.session.execute(_MARK_SENT, {"message_id": message_id, "sent_at": at})

    def mark_failed(self, message_id: int, error: str, retry_at: datetime | None) -> None:
        """Record a failed attempt; ``retry_at`` None means give up."""
        values: dict[str, Any] = {"last_error": error[:2000]}
        if retry_at is None:
            values["status"] = MessageStatus.FAILED.value
        else:
            values["next_attempt_at"] = retry_at
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(**values))

    def list(
        self, *, status: MessageStatus | None = None, portal_id: int | None = None
    ) -> list[OutboxMessage]:
        query = select(OutboxRow).order_by(OutboxRow.id)
        if status is not None:
            query = query.where(OutboxRow.status == status.value)
        if portal_id is not None:
            query = query.where(OutboxRow.portal_id == portal_id)
        return [_message_from_row(r) for r in self.session.scalars(query)]
