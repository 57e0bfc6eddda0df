"""Alembic environment: runs on the connection Trucewatch hands over (SQLite or PostgreSQL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from trucewatch.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # the alembic command line, e.g. autogenerate against a URL
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
