"""Engines and migrations: SQLite (WAL) by default, PostgreSQL by URL; one Alembic history for both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from trucewatch.errors import StoreError

DATABASE_ENV = "TRUCEWATCH_DATABASE"
T = TypeVar("T")


def database_url(mission_dir: Path, explicit: str | None = None) -> str:
    """--database beats $TRUCEWATCH_DATABASE beats the embedded SQLite file in the mission folder."""
    url = explicit or os.environ.get(DATABASE_ENV)
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{(mission_dir / 'trucewatch.db').resolve()}"


def make_engine(url: str, writer: bool = True) -> Engine:
    """An engine; on SQLite a writer takes the write lock when its transaction starts (so two writers never
    race for the same leaf index), while a reader's transactions never block writers (WAL)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # the record must survive a power cut
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: appends to a large record stay in memory
            cur.close()
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("trucewatch.store") / "migrations"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as e:
        raise StoreError(f"cannot open the database: {e.orig}") from None


def chunks(items: list[T], size: int = 500) -> Iterator[list[T]]:
    """Slices short enough for an SQL IN list on every backend."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
