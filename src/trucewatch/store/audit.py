"""Checking the stored record end to end: entries, tree, checkpoints, and reports against the record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from trucewatch.assess.workflow import apply_decisions
from trucewatch.domain.results import Decision, Finding, Incident
from trucewatch.publish.figures import empty_day, figures
from trucewatch.record.errors import VerificationError
from trucewatch.record.hashing import leaf_hash
from trucewatch.record.note import Checkpoint, split_note, verify_note
from trucewatch.record.tree import MemoryTree
from trucewatch.store import log
from trucewatch.store import schema as t
from trucewatch.store.checkpoints import all_checkpoints, mission_verifier
from trucewatch.store.db import chunks
from trucewatch.store.mission import Mission
from trucewatch.store.observations import observation_entry, quarantine_entry

TABLES = {
    "observation": (t.observations, "id", observation_entry),
    "quarantine": (t.quarantine, "id", quarantine_entry),
}


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)


def _row_entry(kind: str, row: dict[str, Any]) -> Any:
    if kind in TABLES:
        return TABLES[kind][2](row)
    if kind == "decision":
        d = {k: row[k] for k in ("id", "incident_id", "action", "value", "reason", "decided_by", "role")}
        at = row["decided_at"]
        d["decided_at"] = (at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")
        return d
    if kind == "finding":
        return json.loads(row["payload"])
    if kind == "publication":
        return {"kind": row["kind"], "path": row["path"], "sha256": row["sha256"], "tree_size": row["tree_size"]}
    return None


def verify_store(mission: Mission, progress: Any = None) -> AuditReport:
    """Recompute the tree from stored entries, check it against every checkpoint and every entry's row."""
    rep = AuditReport()
    verifier = mission_verifier(mission)
    with mission.engine.connect() as conn:
        tree = MemoryTree()
        kinds: dict[int, tuple[str, str, bytes]] = {}
        expected = 0
        rows = conn.execute(select(t.log_leaves).order_by(t.log_leaves.c.idx)).yield_per(20_000)
        for r in rows:
            idx, data = int(r.idx), bytes(r.data)
            if idx != expected:
                rep.problems.append(f"record entry {expected} is missing (next stored entry is {idx})")
                expected = idx
            h = leaf_hash(data)
            if h != bytes(r.leaf_hash):
                rep.problems.append(f"record entry {idx} ({r.kind} {r.ref}): stored hash does not match its data")
            tree.append_hash(h)
            want, level, i = b"", 0, tree.size - 1
            while i & 1:
                level, i = level + 1, i >> 1
                want += tree.levels[level][i]
            if bytes(r.nodes or b"") != want:
                rep.problems.append(f"record entry {idx}: its stored subtree hashes do not match the entries beneath")
            kinds[idx] = (r.kind, r.ref, data)
            expected += 1
            if progress and idx % 50_000 == 0:
                progress(idx)
        rep.entries = tree.size
        for cp in all_checkpoints(conn):
            rep.checkpoints += 1
            try:
                verify_note(cp.note, [verifier])
                body = Checkpoint.parse(split_note(cp.note)[0])
            except VerificationError as e:
                rep.problems.append(f"checkpoint {cp.seq}: {e}")
                continue
            if body.size > tree.size:
                rep.problems.append(f"checkpoint {cp.seq} covers {body.size} entries but only {tree.size} are stored")
            elif tree.root(body.size) != body.root:
                rep.problems.append(f"checkpoint {cp.seq} (size {body.size}): recomputed root differs: the record "
                                    "was altered after it was signed")  # fmt: skip
        for kind, (table, key, _) in {**TABLES, "decision": (t.decisions, "id", None),
                                      "finding": (t.findings, "id", None),
                                      "publication": (t.publications, "path", None)}.items():  # fmt: skip
            seen_leaves: set[int] = set()
            for row in conn.execute(select(table).where(table.c.leaf_index.is_not(None))):
                m = dict(row._mapping)
                li = int(m["leaf_index"])
                seen_leaves.add(li)
                name = f"{kind} {m[key]}"
                if li not in kinds:
                    rep.problems.append(f"{name}: points at record entry {li}, which does not exist")
                    continue
                k, ref, data = kinds[li]
                if k != kind or ref != str(m[key])[:200]:
                    rep.problems.append(f"{name}: record entry {li} holds {k} {ref} (rows reordered or relabelled)")
                    continue
                if log.entry_bytes(kind, ref, _row_entry(kind, m)) != data:
                    rep.problems.append(f"{name}: row differs from record entry {li} (altered after it was recorded)")
            for li, (k, ref, _) in kinds.items():
                if k == kind and li not in seen_leaves:
                    rep.problems.append(f"{kind} {ref}: in record entry {li} but its row is gone (deleted)")
    return rep


def record_publication(conn: Connection, kind: str, path: Path, tree_size: int) -> int:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = {"kind": kind, "path": path.name, "sha256": digest, "tree_size": tree_size}
    [idx] = log.append(conn, [("publication", path.name, entry)])
    conn.execute(insert(t.publications).values(kind=kind, path=path.name, sha256=digest, tree_size=tree_size,
                                                created_at=datetime.now(UTC), leaf_index=idx))  # fmt: skip
    return idx


def embedded_figures(html: str) -> dict[str, Any]:
    marker = '<script type="application/json" id="trucewatch-figures">'
    start = html.find(marker)
    if start < 0:
        raise VerificationError("report has no embedded figures: expected a Trucewatch report, got other HTML")
    end = html.find("</script>", start)
    try:
        return json.loads(html[start + len(marker) : end].replace("<\\/", "</"))
    except ValueError:
        raise VerificationError("report's embedded figures are not JSON: expected JSON, got damaged text") from None


def verify_report(mission: Mission, report: Path, verifier: str | None = None) -> dict[str, Any]:
    """Recompute a report's figures from the record at the checkpoint it names and compare them."""
    claimed = embedded_figures(report.read_text(encoding="utf-8"))
    size = int(claimed["tree_size"])
    note = claimed.get("checkpoint_note")
    keys = [verifier or mission_verifier(mission)]
    if note is None:
        raise VerificationError("report names no signed checkpoint: expected one, got none")
    verify_note(note, keys)
    cp = Checkpoint.parse(split_note(note)[0])
    if cp.size != size:
        raise VerificationError(f"report tree size differs from its checkpoint: expected {cp.size}, got {size}")
    ag = mission.agreement
    with mission.engine.connect() as conn:
        if log.tree_size(conn) < size:
            raise VerificationError(f"record is shorter than the report's checkpoint: expected {size} entries")
        root = log.root_at(conn, size)
        if root != cp.root:
            raise VerificationError(f"record root at size {size} differs: expected {cp.root.hex()}, got {root.hex()}")
        run = conn.execute(
            select(t.log_leaves.c.data).where(t.log_leaves.c.kind == "run", t.log_leaves.c.idx < size)
            .order_by(t.log_leaves.c.idx.desc()).limit(1)
        ).scalar_one_or_none()  # fmt: skip
        if run is None:
            raise VerificationError("record holds no run before the checkpoint: expected one, got none")
        entries = json.loads(bytes(run))["data"]["incidents"]
        leaves = [int(e[2]) for e in entries]
        data = {}
        for part in chunks(leaves):
            q = select(t.log_leaves.c.idx, t.log_leaves.c.data).where(t.log_leaves.c.idx.in_(part))
            data.update({int(ix): json.loads(bytes(d))["data"] for ix, d in conn.execute(q)})
        decided: dict[str, list[Decision]] = {}
        q = select(t.log_leaves.c.data).where(t.log_leaves.c.kind == "decision", t.log_leaves.c.idx < size)
        for (raw,) in conn.execute(q.order_by(t.log_leaves.c.idx)):
            d = Decision.model_validate(json.loads(bytes(raw))["data"])
            decided.setdefault(d.incident_id, []).append(d)
    findings = apply_decisions([Finding.model_validate(data[li]) for li in leaves], decided)
    incidents = {
        e[0]: Incident(id=e[0], observation_ids=(), type="explosion", family="fire", start=e[1], end=e[1])
        for e in entries
    }  # fmt: skip
    recomputed = figures(findings, incidents, ag.party_ids, ag.spec.window.timezone)
    for day, fig in claimed["days"].items():
        mine = recomputed.get(day, empty_day(ag.party_ids))
        if mine != fig:
            raise VerificationError(f"figures for {day} differ: expected {json.dumps(mine, sort_keys=True)[:300]}, "
                                    f"got {json.dumps(fig, sort_keys=True)[:300]}")  # fmt: skip
    return {"tree_size": size, "days": len(claimed["days"]), "origin": cp.origin}
