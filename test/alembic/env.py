"""Alembic environment of the idxadvisor migration test.

Runs every migration in one transaction (transactional_ddl), as Alembic does
by default on PostgreSQL: this is why the indexes are queued with
idxadvisor_create_concurrently() instead of CREATE INDEX CONCURRENTLY, which
cannot run inside a transaction block.
"""
import os

from alembic import context
from sqlalchemy import create_engine


def run_migrations_online():
    engine = create_engine(os.environ["IDXADV_DB_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
