"""unique index on items.sku; the migration waits until it is built

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.execute(
        "SELECT idxadvisor_create_concurrently("
        "'CREATE UNIQUE INDEX items_sku_key ON items (sku)')")
    # Commit, then wait outside any transaction (CALL idxadvisor_wait()
    # refuses to run inside one); raises if the build failed.
    with op.get_context().autocommit_block():
        op.execute("CALL idxadvisor_wait()")


def downgrade():
    op.execute("SELECT idxadvisor_drop_concurrently('items_sku_key')")
    with op.get_context().autocommit_block():
        op.execute("CALL idxadvisor_wait()")
