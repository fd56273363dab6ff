"""Tenants' channels: one-time Telegram link codes (hashed), linked chats, and preferences.

Global, not portal-scoped: the bot is one for the installation, so a ``/start <code>`` update
and a blocked chat are found before their portal is known; every row still names its portal
and tenant, and the methods that read a tenant's rows take both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.db.tables_channels import ChannelPreferenceRow, TelegramChatRow, TelegramLinkCodeRow
from backend.domain.channels import Channel, ChannelPreferences, SpentLinkCode, Topic


class ChannelRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # portal -> tenant -> reachable chat, read once per unit of work (the billing run asks
        # for every tenant it mails); a change of chats here forgets it
        self._chats: dict[int, dict[int, str]] = {}

    def add_link_code(
        self,
        portal_id: int,
        tenant_ids: Sequence[int],
        code_hash: str,
        now: datetime,
        expires_at: datetime,
        email: str = "",
    ) -> None:
        """Store a new code for the tenant's rows (asked for by the cabinet address
        ``email``); their earlier unused codes die with it."""
        self.session.execute(
            delete(TelegramLinkCodeRow).where(
                TelegramLinkCodeRow.portal_id == portal_id,
                TelegramLinkCodeRow.tenant_id == tenant_ids[0],
                TelegramLinkCodeRow.used_at.is_(None),
            )
        )
        self.session.add(
            TelegramLinkCodeRow(
                code_hash=code_hash, portal_id=portal_id, tenant_id=tenant_ids[0],
                tenant_ids=list(tenant_ids), created_at=now, expires_at=expires_at,
                email=email,
            )
        )  # fmt: skip
        self.session.flush()

    def use_link_code(self, code_hash: str, now: datetime) -> SpentLinkCode | None:
        """Spend a live code: its tenant rows and address, or None when it is unknown, used
        or expired. The update is conditional, so of two updates racing only one wins."""
        won = self.session.execute(
            update(TelegramLinkCodeRow)
            .where(
                TelegramLinkCodeRow.code_hash == code_hash,
                TelegramLinkCodeRow.used_at.is_(None),
                TelegramLinkCodeRow.expires_at > now,
            )
            .values(used_at=now)
            .returning(
                TelegramLinkCodeRow.portal_id,
                TelegramLinkCodeRow.tenant_id,
                TelegramLinkCodeRow.tenant_ids,
                TelegramLinkCodeRow.email,
            )
            .execution_options(synchronize_session=False)
        ).first()
        if won is None:
            return None
        return SpentLinkCode(int(won[0]), tuple(int(t) for t in won[2] or [won[1]]), won[3])

    def link_chat(
        self, portal_id: int, tenant_id: int, chat_id: str, username: str, now: datetime,
        email: str = "",
    ) -> None:  # fmt: skip
        """The tenant's chat from now on, linked by the cabinet address ``email`` (a new link
        replaces the old one, unblocked)."""
        row = self.session.scalar(
            select(TelegramChatRow).where(
                TelegramChatRow.portal_id == portal_id, TelegramChatRow.tenant_id == tenant_id
            )
        )
        if row is None:
            row = TelegramChatRow(portal_id=portal_id, tenant_id=tenant_id, linked_at=now)
            self.session.add(row)
        row.chat_id, row.username, row.linked_at, row.blocked_at = chat_id, username, now, None
        row.email = email
        self.session.flush()
        self._chats.clear()

    def sign_in_chats(self, email: str) -> list[tuple[int, int, str]]:
        """(portal, tenant, chat id) of the unblocked chats the cabinet address ``email``
        linked itself."""
        rows = self.session.execute(
            select(TelegramChatRow.portal_id, TelegramChatRow.tenant_id, TelegramChatRow.chat_id)
            .where(TelegramChatRow.email == email, TelegramChatRow.blocked_at.is_(None))
            .order_by(TelegramChatRow.id)
        )
        return [(int(p), int(t), str(c)) for p, t, c in rows]

    def chat_of(self, portal_id: int, tenant_id: int) -> str | None:
        """The tenant's linked chat id, None when not linked or the bot is blocked there."""
        if portal_id not in self._chats:
            rows = self.session.execute(
                select(TelegramChatRow.tenant_id, TelegramChatRow.chat_id).where(
                    TelegramChatRow.portal_id == portal_id, TelegramChatRow.blocked_at.is_(None)
                )
            )
            self._chats[portal_id] = {int(tenant): str(chat) for tenant, chat in rows}
        return self._chats[portal_id].get(tenant_id)

    def chat_state(self, portal_id: int, tenant_id: int) -> tuple[str, datetime | None] | None:
        """(username, blocked at) of the tenant's chat, None when none is linked."""
        row = self.session.scalar(
            select(TelegramChatRow).where(
                TelegramChatRow.portal_id == portal_id, TelegramChatRow.tenant_id == tenant_id
            )
        )
        return None if row is None else (row.username, row.blocked_at)

    def unlink_chat(self, portal_id: int, tenant_id: int) -> None:
        self._chats.clear()
        self.session.execute(
            delete(TelegramChatRow).where(
                TelegramChatRow.portal_id == portal_id, TelegramChatRow.tenant_id == tenant_id
            )
        )

    def block_chat(self, chat_id: str, now: datetime) -> list[tuple[int, int]]:
        """The bot was blocked in ``chat_id``: every tenant linked to it, as (portal, tenant)."""
        rows = list(
            self.session.scalars(select(TelegramChatRow).where(TelegramChatRow.chat_id == chat_id))
        )
        for row in rows:
            row.blocked_at = row.blocked_at or now
        self.session.flush()
        self._chats.clear()
        return [(row.portal_id, row.tenant_id) for row in rows]

    def tenants_of_chat(self, chat_id: str) -> list[tuple[int, int]]:
        rows = self.session.execute(
            select(TelegramChatRow.portal_id, TelegramChatRow.tenant_id).where(
                TelegramChatRow.chat_id == chat_id
            )
        )
        return [(int(p), int(t)) for p, t in rows]

    def preferences(self, portal_id: int, tenant_id: int) -> ChannelPreferences:
        rows = self.session.scalars(
            select(ChannelPreferenceRow).where(
                ChannelPreferenceRow.portal_id == portal_id,
                ChannelPreferenceRow.tenant_id == tenant_id,
            )
        )
        choices = {
            Topic(r.topic): frozenset(Channel(c) for c in r.channels if c in set(Channel))
            for r in rows
            if r.topic in set(Topic)
        }
        return ChannelPreferences(choices)

    def save_preferences(
        self, portal_id: int, tenant_id: int, preferences: ChannelPreferences
    ) -> None:
        rows = {
            r.topic: r
            for r in self.session.scalars(
                select(ChannelPreferenceRow).where(
                    ChannelPreferenceRow.portal_id == portal_id,
                    ChannelPreferenceRow.tenant_id == tenant_id,
                )
            )
        }
        for topic, channels in preferences.choices.items():
            row = rows.get(topic.value)
            if row is None:
                row = ChannelPreferenceRow(portal_id=portal_id, tenant_id=tenant_id, topic=topic)
                self.session.add(row)
            row.channels = sorted(c.value for c in channels)
        self.session.flush()
