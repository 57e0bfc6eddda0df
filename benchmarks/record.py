"""Benchmark of the verifiable record. Prints one JSON object.

- appends_per_second: durable appends (SQLite, WAL, synchronous=FULL) through the store's own append path,
  in batches of --batch entries per transaction; baseline: one transaction (one fsync) per entry.
- inclusion proof generation and verification at --leaves leaves, from stored tree nodes (the tree is
  bulk-loaded with the same hashing; the load time is reported separately).
- full_verify_seconds: `trucewatch verify`'s check (every entry rehashed, the tree rebuilt, every stored
  node and checkpoint compared) over --verify-entries entries.

    python benchmarks/record.py                       # the issue's sizes: 10 M leaves, 1 M entries
    python benchmarks/record.py --leaves 1000000 --verify-entries 100000   # a quick run
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from trucewatch.record.hashing import leaf_hash
from trucewatch.record.tree import MemoryTree
from trucewatch.record.verify import verify_inclusion
from trucewatch.store import log
from trucewatch.store.audit import verify_store
from trucewatch.store.checkpoints import ensure_mission_key, sign_checkpoint
from trucewatch.store.db import make_engine
from trucewatch.store.mission import Mission

SUDZHA = Path(__file__).resolve().parents[1] / "src" / "trucewatch" / "examples" / "sudzha" / "agreement.yaml"


def entry(i: int) -> tuple[str, str, dict[str, object]]:
    return ("bench", f"e{i}", {"i": i, "observed_at": "2026-12-01T10:00:00Z", "lat": 51.2 + i * 1e-7, "note": "x" * 40})


def appends(folder: Path, n: int, batch: int) -> tuple[Mission, float]:
    """Durable appends through the store's own path; the synthetic entries are made before the clock starts
    (what is timed is the record, not the benchmark's data generator)."""
    m = Mission.create(folder / "m", SUDZHA)
    elapsed = 0.0
    for start in range(0, n, batch):
        entries = [entry(i) for i in range(start, min(n, start + batch))]
        t0 = time.perf_counter()
        with m.engine.begin() as conn:
            log.append(conn, entries)
        elapsed += time.perf_counter() - t0
    return m, n / elapsed


def baseline_appends(folder: Path, n: int) -> float:
    m = Mission.create(folder / "b", SUDZHA)
    t0 = time.perf_counter()
    for i in range(n):
        with m.engine.begin() as conn:
            log.append(conn, [entry(i)])
    return n / (time.perf_counter() - t0)


def bulk_tree(path: Path, n: int) -> float:
    """The store's layout for an n-leaf tree (leaf rows carrying the subtree roots they complete), bulk-loaded
    with the same hashing; proofs are then read through the store's own NodeReader."""
    from trucewatch.store.schema import log_leaves, metadata

    t0 = time.perf_counter()
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=[log_leaves])
    tree = MemoryTree()
    with engine.begin() as conn:
        batch = []
        for i in range(n):
            h = leaf_hash(i.to_bytes(8, "big"))
            tree.append_hash(h)
            done, level, k = b"", 0, i
            while k & 1:
                level, k = level + 1, k >> 1
                done += tree.levels[level][k]
            batch.append((i, "bench", "", i.to_bytes(8, "big"), h, done or None))
            if len(batch) == 100_000:
                conn.exec_driver_sql("INSERT INTO log_leaves (idx, kind, ref, data, leaf_hash, nodes) "
                                     "VALUES (?, ?, ?, ?, ?, ?)", batch)  # fmt: skip
                batch = []
        if batch:
            conn.exec_driver_sql("INSERT INTO log_leaves (idx, kind, ref, data, leaf_hash, nodes) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", batch)  # fmt: skip
    return time.perf_counter() - t0


def proofs(path: Path, n: int, samples: int = 2000) -> dict[str, float]:
    engine = make_engine(f"sqlite:///{path}", writer=False)
    with engine.connect() as conn:
        root = log.root_at(conn, n)
        step = max(1, n // samples)
        gen, ver = [], []
        for index in range(0, n, step)[:samples]:
            t = time.perf_counter()
            p = log.inclusion(conn, index, n)
            gen.append(time.perf_counter() - t)
            lh = leaf_hash(index.to_bytes(8, "big"))
            t = time.perf_counter()
            verify_inclusion(lh, index, n, p, root)
            ver.append(time.perf_counter() - t)
    return {
        "proof_generation_ms_median": round(statistics.median(gen) * 1e3, 4),
        "proof_generation_ms_p99": round(sorted(gen)[int(len(gen) * 0.99)] * 1e3, 4),
        "proof_verification_ms_median": round(statistics.median(ver) * 1e3, 4),
        "proof_verification_ms_p99": round(sorted(ver)[int(len(ver) * 0.99)] * 1e3, 4),
        "proof_length": len(p),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--appends", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--baseline-appends", type=int, default=2_000)
    ap.add_argument("--leaves", type=int, default=10_000_000)
    ap.add_argument("--verify-entries", type=int, default=1_000_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tw-bench-record-"))
    try:
        _, rate = appends(tmp / "a", args.appends, args.batch)
        base = baseline_appends(tmp / "b", args.baseline_appends)
        load = bulk_tree(tmp / "tree.db", args.leaves)
        pr = proofs(tmp / "tree.db", args.leaves)
        m, _ = appends(tmp / "v", args.verify_entries, args.batch)
        ensure_mission_key(m)
        with m.engine.begin() as conn:
            sign_checkpoint(m, conn)
        t0 = time.perf_counter()
        rep = verify_store(m)
        verify_s = time.perf_counter() - t0
        assert not rep.problems, rep.problems[:3]
        print(json.dumps({
            "appends_per_second": round(rate),
            "append_batch": args.batch,
            "baseline_appends_per_second_one_commit_each": round(base),
            "leaves": args.leaves,
            "tree_bulk_load_seconds": round(load, 1),
            **pr,
            "verify_entries": rep.entries,
            "full_verify_seconds": round(verify_s, 2),
        }, sort_keys=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
