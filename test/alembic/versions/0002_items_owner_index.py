"""index on items.owner_id, built concurrently after the migration commits

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    # Queued in the migration's transaction; a background worker runs
    # CREATE INDEX CONCURRENTLY once Alembic commits.  Re-running it is a
    # no-op that returns the same job.
    op.execute("SELECT idxadvisor_create_concurrently('items', ARRAY['owner_id'])")


def downgrade():
    op.execute("SELECT idxadvisor_drop_concurrently('items_owner_id_idx')")
