"""cardfix: an addendum's kind (terms or termination), so a termination is stored as a kind
and a date, and each page names it in its reader's language; the terminations stored with a
Russian name ("расторжение 31.08.2026") become such

Revision ID: 0019_cardfix
Revises: 0018_accounts
Create Date: 2026-12-06 06:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_cardfix"
down_revision = "0018_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="terms")
        )
    op.execute(
        "UPDATE addenda SET kind = 'termination', number = ''"
        " WHERE number LIKE 'расторжение %' AND \"end\" = effective_from"
    )
    # the lease history names them the same way (a JSON column: read and written back)
    audit = sa.table(
        "audit_log", sa.column("id", sa.Integer()), sa.column("action", sa.String()),
        sa.column("details", sa.JSON()),
    )  # fmt: skip
    bind = op.get_bind()
    entries = bind.execute(
        sa.select(audit.c.id, audit.c.details).where(audit.c.action == "lease.addendum")
    ).all()
    for entry_id, details in entries:
        if str((details or {}).get("number", "")).startswith("расторжение "):
            changed = {**details, "number": "", "kind": "termination"}
            bind.execute(audit.update().where(audit.c.id == entry_id).values(details=changed))


def downgrade() -> None:
    op.execute(
        "UPDATE addenda SET number = 'termination ' || effective_from WHERE kind = 'termination'"
    )
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.drop_column("kind")
