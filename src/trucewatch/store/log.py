"""The Merkle log kept beside the store: leaves and complete-subtree nodes, appended in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select, text, tuple_

from trucewatch.record.canonical import canonical
from trucewatch.record.hashing import leaf_hash, node_hash
from trucewatch.record.tree import consistency_path, inclusion_path, tree_root
from trucewatch.store import schema as t


def entry_bytes(kind: str, ref: str, data: Any) -> bytes:
    """The exact bytes of a leaf: RFC 8785 canonical JSON of kind, ref and data."""
    return canonical({"kind": kind, "ref": ref, "data": data})


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(6962)"))


def tree_size(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(t.log_leaves.c.idx) + 1, 0))).scalar_one())


class NodeReader:
    """Reads complete-subtree hashes: level 0 from the leaves, higher levels from log_nodes."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[tuple[int, int], bytes] = {}

    def __call__(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self.cache:
            if level == 0:
                q = select(t.log_leaves.c.leaf_hash).where(t.log_leaves.c.idx == index)
            else:
                q = select(t.log_nodes.c.hash).where(t.log_nodes.c.level == level, t.log_nodes.c.idx == index)
            h = self.conn.execute(q).scalar_one_or_none()
            if h is None:
                raise LookupError(f"tree node ({level}, {index}) is missing from the store")
            self.cache[key] = bytes(h)
        return self.cache[key]

    def prefetch_edge(self, size: int) -> None:
        """Load the right-edge subtrees of a tree of this size in one query (what appends build on)."""
        keys = []
        lo = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size & (1 << level):
                keys.append((level, lo >> level))
                lo += 1 << level
        high = [k for k in keys if k[0] > 0]
        if high:
            rows = self.conn.execute(
                select(t.log_nodes.c.level, t.log_nodes.c.idx, t.log_nodes.c.hash).where(
                    tuple_(t.log_nodes.c.level, t.log_nodes.c.idx).in_(high)
                )
            )
            for lv, ix, h in rows:
                self.cache[(lv, ix)] = bytes(h)


def append(conn: Connection, entries: Sequence[tuple[str, str, Any]]) -> list[int]:
    """Append (kind, ref, data) entries; return their leaf indexes. Runs inside the caller's transaction."""
    if not entries:
        return []
    _lock(conn)
    size = tree_size(conn)
    nodes = NodeReader(conn)
    nodes.prefetch_edge(size)
    leaf_rows, node_rows = [], []
    for offset, (kind, ref, data) in enumerate(entries):
        idx = size + offset
        raw = entry_bytes(kind, ref, data)
        h = leaf_hash(raw)
        leaf_rows.append((idx, kind, ref[:200], raw, h))
        nodes.cache[(0, idx)] = h
        level, i = 0, idx
        while i % 2 == 1:
            parent = node_hash(nodes(level, i - 1), nodes(level, i))
            level, i = level + 1, i // 2
            nodes.cache[(level, i)] = parent
            node_rows.append((level, i, parent))
    _insert_many(conn, "log_leaves", ("idx", "kind", "ref", "data", "leaf_hash"), leaf_rows)
    if node_rows:
        _insert_many(conn, "log_nodes", ("level", "idx", "hash"), node_rows)
    return [size + k for k in range(len(entries))]


def _insert_many(conn: Connection, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert straight through the driver: the record's hot path, ten times cheaper than Core."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    conn.exec_driver_sql(sql, rows)


def root_at(conn: Connection, size: int) -> bytes:
    return tree_root(NodeReader(conn), size)


def inclusion(conn: Connection, index: int, size: int) -> list[bytes]:
    return inclusion_path(NodeReader(conn), index, size)


def consistency(conn: Connection, old: int, new: int) -> list[bytes]:
    return consistency_path(NodeReader(conn), old, new)
