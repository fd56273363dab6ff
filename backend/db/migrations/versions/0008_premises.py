"""premises, tenants and accounts in bulk (issue 19): import columns of premises and tenants,
buildings and sections, tenant external ids and phone history, personal accounts, import runs,
API keys and idempotency keys, feed versions

Revision ID: 0008_premises
Revises: 0007_amocrm_nonces
Create Date: 2026-12-05 06:16:41.602750
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008_premises'
down_revision = '0007_amocrm_nonces'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_api_idempotency_keys_portal_id_portals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotency_keys')),
    sa.UniqueConstraint('portal_id', 'key', name=op.f('uq_api_idempotency_keys_portal_id_key'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_api_keys_portal_id_portals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_portal_id'), ['portal_id'], unique=False)

    op.create_table('building_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('building', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_building_sections_portal_id_portals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_sections')),
    sa.UniqueConstraint('portal_id', 'building', 'name', name=op.f('uq_building_sections_portal_id_building_name'))
    )
    op.create_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_buildings_portal_id_portals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buildings')),
    sa.UniqueConstraint('portal_id', 'name', name=op.f('uq_buildings_portal_id_name'))
    )
    op.create_table('feed_versions',
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('feed', sa.String(length=20), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_feed_versions_portal_id_portals')),
    sa.PrimaryKeyConstraint('portal_id', 'feed', name=op.f('pk_feed_versions'))
    )
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_import_runs_portal_id_portals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index('ix_import_runs_portal_started', ['portal_id', 'started_at'], unique=False)

    op.create_table('personal_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('premises_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('landlord_id', sa.Integer(), nullable=True),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['landlord_id'], ['landlords.id'], name=op.f('fk_personal_accounts_landlord_id_landlords')),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_personal_accounts_portal_id_portals')),
    sa.ForeignKeyConstraint(['premises_id'], ['premises.id'], name=op.f('fk_personal_accounts_premises_id_premises')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_personal_accounts_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_accounts')),
    sa.UniqueConstraint('portal_id', 'number', name=op.f('uq_personal_accounts_portal_id_number'))
    )
    with op.batch_alter_table('personal_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_accounts_premises_id'), ['premises_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_personal_accounts_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_external_ids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_tenant_external_ids_portal_id_portals')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_external_ids_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_external_ids')),
    sa.UniqueConstraint('portal_id', 'external_id', name=op.f('uq_tenant_external_ids_portal_id_external_id'))
    )
    with op.batch_alter_table('tenant_external_ids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_external_ids_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portals.id'], name=op.f('fk_tenant_phones_portal_id_portals')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_phones_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_phones')),
    sa.UniqueConstraint('portal_id', 'phone', 'tenant_id', name=op.f('uq_tenant_phones_portal_id_phone_tenant_id'))
    )
    with op.batch_alter_table('tenant_phones', schema=None) as batch_op:
        batch_op.create_index('ix_tenant_phones_portal_phone', ['portal_id', 'phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_phones_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('price_per_m2', sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='vacant', nullable=False))
        batch_op.add_column(sa.Column('external_id', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('publish', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.create_index('ix_premises_portal_external_id', ['portal_id', 'external_id'], unique=False)
        batch_op.create_index('ix_premises_portal_code', ['portal_id', 'code'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('do_not_sync', sa.Boolean(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('do_not_sync')

    with op.batch_alter_table('premises', schema=None) as batch_op:
        batch_op.drop_index('ix_premises_portal_code')
        batch_op.drop_index('ix_premises_portal_external_id')
        batch_op.drop_column('description')
        batch_op.drop_column('publish')
        batch_op.drop_column('external_id')
        batch_op.drop_column('status')
        batch_op.drop_column('price_per_m2')
        batch_op.drop_column('section')

    with op.batch_alter_table('tenant_phones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_phones_tenant_id'))
        batch_op.drop_index('ix_tenant_phones_portal_phone')

    op.drop_table('tenant_phones')
    with op.batch_alter_table('tenant_external_ids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_external_ids_tenant_id'))

    op.drop_table('tenant_external_ids')
    with op.batch_alter_table('personal_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_accounts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_personal_accounts_premises_id'))

    op.drop_table('personal_accounts')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_runs_portal_started')

    op.drop_table('import_runs')
    op.drop_table('feed_versions')
    op.drop_table('buildings')
    op.drop_table('building_sections')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_portal_id'))

    op.drop_table('api_keys')
    op.drop_table('api_idempotency_keys')
