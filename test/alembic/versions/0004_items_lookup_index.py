"""index ix_items_lookup on items.owner_id, queued

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.execute(
        "SELECT idxadvisor_create_concurrently("
        "'items', ARRAY['owner_id'], 'ix_items_lookup')")


def downgrade():
    op.execute("SELECT idxadvisor_drop_concurrently('ix_items_lookup')")
