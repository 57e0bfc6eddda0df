"""Storage: one schema, managed by Alembic migrations, on SQLite (default) or PostgreSQL."""
