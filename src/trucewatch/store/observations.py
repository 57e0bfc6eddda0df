"""Storing what intake accepted and rejected; reading the effective set of observations."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select

from trucewatch.domain.observation import Observation
from trucewatch.intake.rows import IntakeResult, RawRow, Rejection
from trucewatch.intake.validate import hash_content
from trucewatch.store import log
from trucewatch.store import schema as t
from trucewatch.store.db import chunks


@dataclass
class ImportSummary:
    new: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)


def quarantine_id(r: Rejection) -> str:
    h = hashlib.sha256()
    for part in (r.file.encode(), str(r.line).encode(), r.field.encode(), r.reason.encode(), r.raw):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.hexdigest()[:32]


def observation_entry(row: dict[str, Any]) -> dict[str, Any]:
    """What the record holds for an observation; recomputed from the row to detect tampering."""
    return {
        "id": row["id"],
        "content_hash": row["content_hash"],
        "payload": json.loads(row["payload"]),
        "source_file": row["source_file"],
        "source_line": row["source_line"],
        "imported_by": row["imported_by"],
    }


def quarantine_entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "file": row["file"],
        "line": row["line"],
        "field": row["field"],
        "reason": row["reason"],
        "raw_sha256": hashlib.sha256(row["raw"]).hexdigest(),
        "created_by": row["created_by"],
    }


@dataclass
class PreparedIntake:
    """What storing an intake result needs that no database can change: ids, hashes, payloads and the
    exact bytes of each record entry. Made before the writer takes its turn at the store."""

    who: str
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    # id -> (row, observation, content hash, payload JSON, record entry bytes)
    candidates: dict[str, tuple[RawRow, Observation, str, str, bytes]] = field(default_factory=dict)

    def add(self, oid: str, row: RawRow, h: str, item: tuple[RawRow, Observation, str, str, bytes]) -> None:
        """A candidate, unless the same id came earlier in this input (same content: unchanged)."""
        if oid in self.candidates:
            if self.candidates[oid][2] != h:
                self.rejected.append(Rejection(row.file, row.line, "client_id",
                                               f"id {oid!r} appears earlier in this input with different content",
                                               row.raw))  # fmt: skip
            else:
                self.unchanged += 1
            return
        self.candidates[oid] = item


def prepare_intake(result: IntakeResult, who: str) -> PreparedIntake:
    prep = PreparedIntake(who, rejected=list(result.rejected))
    for row, obs in result.accepted:
        content = obs.model_dump(mode="json", exclude={"id"})  # dumped once: hash, id, payload and record
        h = hash_content(content)
        oid = obs.client_id or f"h-{h[:24]}"  # content_id(), from the same dump
        if oid in prep.candidates:
            prep.add(oid, row, h, prep.candidates[oid])
            continue
        payload = {"id": oid, **content}
        entry = {
            "id": oid,
            "content_hash": h,
            "payload": payload,
            "source_file": row.file[:500],
            "source_line": row.line,
            "imported_by": who,
        }  # observation_entry() of the row stored below
        prep.add(oid, row, h, (row, obs, h, orjson.dumps(payload).decode(), log.entry_bytes("observation", oid, entry)))
    return prep


def merge_prepared(preps: list[PreparedIntake]) -> PreparedIntake:
    """Several requests of one user stored as one input (duplicates across them are caught as within one)."""
    out = PreparedIntake(preps[0].who)
    for p in preps:
        out.unchanged += p.unchanged
        out.rejected += p.rejected
        for oid, item in p.candidates.items():
            out.add(oid, item[0], item[2], item)
    return out


def store_intake(conn: Connection, result: IntakeResult, who: str) -> ImportSummary:
    """Insert new observations and rejections; the same input twice changes nothing."""
    return store_prepared(conn, prepare_intake(result, who))


def store_prepared(conn: Connection, prep: PreparedIntake) -> ImportSummary:
    summary = ImportSummary(unchanged=prep.unchanged)
    now = datetime.now(UTC)
    rejected = list(prep.rejected)
    candidates = prep.candidates
    existing: dict[str, str] = {}
    ids = list(candidates)
    for part in chunks(ids):
        q = select(t.observations.c.id, t.observations.c.content_hash).where(t.observations.c.id.in_(part))
        existing.update({r.id: r.content_hash for r in conn.execute(q)})
    new_rows: list[dict[str, Any]] = []
    entries: list[tuple[str, str, bytes]] = []
    for oid, (row, obs, h, payload, entry) in candidates.items():
        if oid in existing:
            if existing[oid] == h:
                summary.unchanged += 1
            else:
                rejected.append(Rejection(row.file, row.line, "client_id",
                                          f"id {oid!r} is already stored with different content; send a correction "
                                          "as a new record with supersedes", row.raw))  # fmt: skip
            continue
        if obs.supersedes and obs.supersedes not in existing and obs.supersedes not in candidates:
            known = conn.execute(select(t.observations.c.id).where(t.observations.c.id == obs.supersedes)).first()
            if known is None:
                rejected.append(
                    Rejection(
                        row.file, row.line, "supersedes", f"{obs.supersedes!r} is not a stored observation", row.raw
                    )
                )
                continue
        new_rows.append({
            "id": oid, "content_hash": h, "payload": payload, "observed_at": obs.observed_at,
            "type": obs.type.value, "source_kind": obs.source_kind.value, "supersedes": obs.supersedes,
            "source_file": row.file[:500], "source_line": row.line, "imported_at": now, "imported_by": prep.who,
        })  # fmt: skip
        entries.append(("observation", oid, entry))
    if new_rows:
        idx = log.append_encoded(conn, entries)
        for r, i in zip(new_rows, idx, strict=True):
            r["leaf_index"] = i
        conn.execute(insert(t.observations), new_rows)
    summary.new = len(new_rows)
    summary.new_ids = [r["id"] for r in new_rows]
    summary.rejected = rejected
    store_rejections(conn, rejected, prep.who)
    return summary


def store_rejections(conn: Connection, rejected: list[Rejection], who: str) -> int:
    if not rejected:
        return 0
    now = datetime.now(UTC)
    rows = {quarantine_id(r): r for r in rejected}
    have = set()
    keys = list(rows)
    for part in chunks(keys):
        have |= set(conn.execute(select(t.quarantine.c.id).where(t.quarantine.c.id.in_(part))).scalars())
    new = [
        {"id": k, "file": r.file[:500], "line": r.line, "field": r.field[:200], "reason": r.reason, "raw": r.raw,
         "created_at": now, "created_by": who}
        for k, r in rows.items() if k not in have
    ]  # fmt: skip
    if new:
        idx = log.append(conn, [("quarantine", r["id"], quarantine_entry(r)) for r in new])
        for r, i in zip(new, idx, strict=True):
            r["leaf_index"] = i
        conn.execute(insert(t.quarantine), new)
    return len(new)


def effective_observations(conn: Connection) -> list[Observation]:
    """Every stored observation not superseded by a correction, in a stable order."""
    return sorted(iter_effective_observations(conn), key=lambda o: (o.observed_at, o.id))


def iter_effective_observations(conn: Connection, batch: int = 10_000) -> Iterator[Observation]:
    """The same observations in the order they were stored, parsed one at a time and fetched `batch` rows
    at a time (a server-side cursor on PostgreSQL), so a caller can read a million without holding them."""
    col = t.observations.c
    superseded = {s for (s,) in conn.execute(select(col.supersedes).where(col.supersedes.is_not(None)))}
    rows = conn.execution_options(yield_per=batch).execute(select(col.id, col.payload).order_by(col.seq))
    for oid, payload in rows:
        if oid not in superseded:
            yield Observation.model_validate_json(payload)


def observations_by_id(conn: Connection, ids: list[str]) -> dict[str, Observation]:
    out: dict[str, Observation] = {}
    for part in chunks(ids):
        q = select(t.observations.c.payload).where(t.observations.c.id.in_(part))
        for (payload,) in conn.execute(q):
            o = Observation.model_validate_json(payload)
            out[o.id] = o
    return out


def quarantine_rows(conn: Connection) -> list[dict[str, Any]]:
    q = select(t.quarantine).order_by(t.quarantine.c.seq)
    return [dict(r._mapping) for r in conn.execute(q)]


def count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
