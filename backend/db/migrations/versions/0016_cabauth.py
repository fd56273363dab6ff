"""cabauth: who linked a Telegram chat (so a sign-in code may go there) and the language a
tenant reads the cabinet in (so their messages speak it)

``telegram_link_codes.email`` / ``telegram_chats.email``: the address of the cabinet session
that asked for the link code, carried to the chat it linked. A sign-in code for an address
goes only to chats that address linked itself: a chat someone else linked for the same
tenant must not receive a code that opens this address's other tenants. Chats linked before
have no address and get no codes until linked again.

``tenants.language``: ``ru``, ``uk`` or ``en`` as last used in the cabinet for the tenant,
empty until then (Russian).

Revision ID: 0016_cabauth
Revises: 0015_bic
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_cabauth"
down_revision = "0015_bic"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_link_codes") as table:
        table.add_column(sa.Column("email", sa.String(254), nullable=False, server_default=""))
    with op.batch_alter_table("telegram_chats") as table:
        table.add_column(sa.Column("email", sa.String(254), nullable=False, server_default=""))
        table.create_index("ix_telegram_chats_email", ["email"])
    with op.batch_alter_table("tenants") as table:
        table.add_column(sa.Column("language", sa.String(2), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tenants") as table:
        table.drop_column("language")
    with op.batch_alter_table("telegram_chats") as table:
        table.drop_index("ix_telegram_chats_email")
        table.drop_column("email")
    with op.batch_alter_table("telegram_link_codes") as table:
        table.drop_column("email")
