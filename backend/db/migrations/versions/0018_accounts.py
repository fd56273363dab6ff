"""accounts: a landlord's settlement accounts (several banks, one for deposits...), one the
default, and the account each lease is paid to (none: the landlord's default). Each
landlord's one account so far becomes its default.

Revision ID: 0018_accounts
Revises: 0017_leaseterms
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_accounts"
down_revision = "0017_leaseterms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "landlord_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("landlord_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("bank_name", sa.String(length=255), nullable=False),
        sa.Column("bic", sa.String(length=9), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("corr_account", sa.String(length=20), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portal_id"], ["portals.id"], name=op.f("fk_landlord_accounts_portal_id_portals")
        ),
        sa.ForeignKeyConstraint(
            ["landlord_id"], ["landlords.id"], name=op.f("fk_landlord_accounts_landlord_id_landlords")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landlord_accounts")),
    )
    op.create_index("ix_landlord_accounts_portal_id", "landlord_accounts", ["portal_id"])
    op.create_index("ix_landlord_accounts_landlord_id", "landlord_accounts", ["landlord_id"])
    op.execute(
        sa.text(
            "INSERT INTO landlord_accounts (portal_id, landlord_id, position, label, bank_name,"
            " bic, account, corr_account, is_default)"
            " SELECT portal_id, id, 0, '', bank_name, bic, account, corr_account, :default"
            " FROM landlords ORDER BY id"
        ).bindparams(default=True)
    )
    with op.batch_alter_table("leases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bank_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_leases_bank_account_id_landlord_accounts",
            "landlord_accounts",
            ["bank_account_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("leases", schema=None) as batch_op:
        batch_op.drop_constraint("fk_leases_bank_account_id_landlord_accounts", type_="foreignkey")
        batch_op.drop_column("bank_account_id")
    op.drop_index("ix_landlord_accounts_landlord_id", table_name="landlord_accounts")
    op.drop_index("ix_landlord_accounts_portal_id", table_name="landlord_accounts")
    op.drop_table("landlord_accounts")
