"""ix_items_lookup replaced by a wider index of the same name

A fresh database replays 0004 and 0005 in one transaction: the drop names an
index whose build 0004 only queued.  idxadvisor_drop_concurrently() takes the
name as text, cancels that build, and the wider index is the one built.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    op.execute("SELECT idxadvisor_drop_concurrently('ix_items_lookup')")
    op.execute(
        "SELECT idxadvisor_create_concurrently("
        "'items', ARRAY['owner_id', 'sku'], 'ix_items_lookup')")


def downgrade():
    op.execute("SELECT idxadvisor_drop_concurrently('ix_items_lookup')")
    op.execute(
        "SELECT idxadvisor_create_concurrently("
        "'items', ARRAY['owner_id'], 'ix_items_lookup')")
