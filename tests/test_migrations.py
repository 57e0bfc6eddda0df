"""Migrations: the schema they build is the one the code declares, on both stores, and upgrades keep data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from trucewatch.store import log
from trucewatch.store.db import _alembic_config, make_engine, migrate
from trucewatch.store.schema import metadata


def _url(database: str | None, tmp_path: Path) -> str:
    return database or f"sqlite:///{tmp_path / 'm.db'}"


def test_migrations_build_the_declared_schema(database: str | None, tmp_path: Path) -> None:
    engine = make_engine(_url(database, tmp_path))
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_leaf_index_is_the_rowid_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(_url(None, tmp_path))
    migrate(engine)
    with engine.connect() as conn:
        indexes = conn.exec_driver_sql("PRAGMA index_list('log_leaves')").fetchall()
    assert indexes == []  # no separate unique index: idx is the rowid itself


def test_upgrade_from_0002_keeps_the_record(database: str | None, tmp_path: Path) -> None:
    engine = make_engine(_url(database, tmp_path))
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    entries = [("bench", f"e{i}", {"i": i}) for i in range(37)]
    with engine.begin() as conn:
        log.append(conn, entries)
        before = log.root_at(conn, 37)
    migrate(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0004"
        assert log.root_at(conn, 37) == before
        log.append(conn, [("bench", "e37", {"i": 37})])
        proof = log.inclusion(conn, 5, 38)
    from trucewatch.record import verify_inclusion
    from trucewatch.record.hashing import leaf_hash

    with engine.connect() as conn:
        verify_inclusion(leaf_hash(log.entry_bytes(*entries[5])), 5, 38, proof, log.root_at(conn, 38))


def test_a_run_finds_its_findings_in_the_record_by_an_index(tmp_path: Path) -> None:
    """Each run looks its findings up by content hash: on an index, not by reading every run's findings."""
    engine = make_engine(_url(None, tmp_path))
    migrate(engine)
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT leaf_index FROM findings WHERE content_hash IN ('a', 'b') "
            "AND leaf_index IS NOT NULL"
        ).fetchall()
    assert any("USING INDEX ix_findings_content_hash" in str(row) for row in plan), plan
