"""Runs of the pipeline: their incidents and findings, and the decisions analysts record."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from trucewatch.domain.results import Decision, Finding, Incident
from trucewatch.store import log
from trucewatch.store import schema as t
from trucewatch.store.db import chunks


def latest_run(conn: Connection) -> int | None:
    return conn.execute(select(func.max(t.runs.c.seq))).scalar_one_or_none()


def finding_entry(f: Finding) -> dict[str, Any]:
    return json.loads(f.model_dump_json())


def save_run(conn: Connection, incidents: list[Incident], findings: list[Finding], digest: str, n_obs: int,
             seconds: float) -> int:  # fmt: skip
    """Insert a run with its incidents and findings; only findings whose content is new enter the record."""
    res = conn.execute(insert(t.runs).values(
        created_at=datetime.now(UTC), agreement_digest=digest, observations=n_obs,
        incidents=len(incidents), findings=len(findings), seconds=seconds,
    ))  # fmt: skip
    run = int(res.inserted_primary_key[0])
    if incidents:
        conn.execute(insert(t.incidents), [
            {"run_seq": run, "id": i.id, "start": i.start, "payload": i.model_dump_json()} for i in incidents
        ])  # fmt: skip
    rows = []
    for f in findings:
        payload = f.model_dump_json()
        rows.append({"run_seq": run, "id": f.id, "incident_id": f.incident_id, "outcome": f.outcome.value,
                     "responsible_party": f.responsible_party, "payload": payload,
                     "content_hash": hashlib.sha256(payload.encode()).hexdigest(), "leaf_index": None})  # fmt: skip
    if rows:
        known: set[str] = set()
        hashes = [r["content_hash"] for r in rows]
        for part in chunks(hashes):
            q = select(t.findings.c.content_hash).where(
                t.findings.c.content_hash.in_(part), t.findings.c.leaf_index.is_not(None)
            )
            known |= set(conn.execute(q).scalars())
        fresh = [r for r in rows if r["content_hash"] not in known]
        idx = log.append(conn, [("finding", r["id"], json.loads(r["payload"])) for r in fresh])
        for r, i in zip(fresh, idx, strict=True):
            r["leaf_index"] = i
        conn.execute(insert(t.findings), rows)
        # which finding leaf each incident's finding sits at, so reports can be recomputed from the record
        leaf_of = {r["content_hash"]: r["leaf_index"] for r in fresh}
        missing = [r["content_hash"] for r in rows if r["content_hash"] not in leaf_of]
        for part in chunks(missing):
            q = select(t.findings.c.content_hash, t.findings.c.leaf_index).where(
                t.findings.c.content_hash.in_(part), t.findings.c.leaf_index.is_not(None)
            )
            leaf_of.update({h: int(ix) for h, ix in conn.execute(q)})
    else:
        leaf_of = {}
    starts = {i.id: i.start.isoformat() for i in incidents}
    log.append(conn, [("run", str(run), {
        "agreement_digest": digest, "observations": n_obs,
        "incidents": sorted([r["incident_id"], starts[r["incident_id"]], leaf_of[r["content_hash"]]] for r in rows),
    })])  # fmt: skip
    return run


def load_incidents(conn: Connection, run: int | None = None) -> list[Incident]:
    run = run if run is not None else latest_run(conn)
    if run is None:
        return []
    q = (
        select(t.incidents.c.payload)
        .where(t.incidents.c.run_seq == run)
        .order_by(t.incidents.c.start, t.incidents.c.id)
    )
    return [Incident.model_validate_json(p) for (p,) in conn.execute(q)]


def load_findings(conn: Connection, run: int | None = None) -> list[Finding]:
    run = run if run is not None else latest_run(conn)
    if run is None:
        return []
    q = select(t.findings.c.payload).where(t.findings.c.run_seq == run)
    return [Finding.model_validate_json(p) for (p,) in conn.execute(q)]


def decision_entry(d: Decision) -> dict[str, Any]:
    return json.loads(d.model_dump_json())


def add_decision(conn: Connection, d: Decision) -> int:
    [idx] = log.append(conn, [("decision", d.id, decision_entry(d))])
    conn.execute(insert(t.decisions).values(**d.model_dump(), leaf_index=idx))
    return idx


def load_decisions(conn: Connection) -> dict[str, list[Decision]]:
    out: dict[str, list[Decision]] = defaultdict(list)
    q = select(t.decisions).order_by(t.decisions.c.seq)
    for r in conn.execute(q):
        m = dict(r._mapping)
        m.pop("seq"), m.pop("leaf_index")
        out[m["incident_id"]].append(Decision.model_validate(m))
    return out


def effective_findings(conn: Connection) -> list[Finding]:
    """The latest run's findings with every decision recorded since applied (status, attribution)."""
    from trucewatch.assess.workflow import apply_decisions

    return apply_decisions(load_findings(conn), load_decisions(conn))
