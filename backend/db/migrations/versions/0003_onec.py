"""1C: the Ref_Key of the draft document created in 1C for an invoice or act

Revision ID: 0003_onec
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_onec'
down_revision = "0002_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.add_column(
            sa.Column('onec_ref', sa.String(length=64), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('onec_ref')
