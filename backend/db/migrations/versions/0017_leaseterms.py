"""leaseterms: a lease's own accountant (a CRM user picked on the lease form or its card);
none keeps the landlord's accountant

Revision ID: 0017_leaseterms
Revises: 0016_cabauth
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_leaseterms"
down_revision = "0016_cabauth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accountant_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_leases_accountant_id_users", "users", ["accountant_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("leases", schema=None) as batch_op:
        batch_op.drop_constraint("fk_leases_accountant_id_users", type_="foreignkey")
        batch_op.drop_column("accountant_id")
