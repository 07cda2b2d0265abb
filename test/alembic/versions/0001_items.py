"""items table

Revision ID: 0001
Revises:
"""
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.execute("""
        CREATE TABLE items (id serial PRIMARY KEY, owner_id int, sku text);
        INSERT INTO items (owner_id, sku)
        SELECT g % 500, 'sku-' || g FROM generate_series(1, 20000) g;
    """)


def downgrade():
    op.execute("DROP TABLE items")
