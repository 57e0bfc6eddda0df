"""Signed checkpoints of the mission's record, party co-signatures, and proof bundles."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from trucewatch.errors import TrucewatchError
from trucewatch.record.errors import VerificationError
from trucewatch.record.note import Checkpoint, add_signature, sign_note, split_note
from trucewatch.record.verify import verify_consistency
from trucewatch.store import log
from trucewatch.store import schema as t
from trucewatch.store.keys import read_signer, write_signer
from trucewatch.store.mission import Mission

MISSION_KEY = "mission"


def origin(mission: Mission) -> str:
    return f"trucewatch.mission/{mission.agreement.id}"


def ensure_mission_key(mission: Mission) -> Path:
    path = mission.keys_dir / f"{MISSION_KEY}.key"
    if not path.exists():
        write_signer(mission.keys_dir, MISSION_KEY, origin(mission))
    return path


def mission_verifier(mission: Mission) -> str:
    return (mission.keys_dir / f"{MISSION_KEY}.pub").read_text().strip()


@dataclass(frozen=True)
class StoredCheckpoint:
    seq: int
    size: int
    root: bytes
    note: str


def latest(conn: Connection) -> StoredCheckpoint | None:
    r = conn.execute(select(t.checkpoints).order_by(t.checkpoints.c.seq.desc()).limit(1)).first()
    return StoredCheckpoint(r.seq, int(r.tree_size), bytes(r.root), r.note) if r else None


def all_checkpoints(conn: Connection) -> list[StoredCheckpoint]:
    rows = conn.execute(select(t.checkpoints).order_by(t.checkpoints.c.seq))
    return [StoredCheckpoint(r.seq, int(r.tree_size), bytes(r.root), r.note) for r in rows]


def sign_checkpoint(mission: Mission, conn: Connection) -> StoredCheckpoint:
    """Sign the record's current size and root with the mission key (reuses the latest if unchanged)."""
    signer = read_signer(ensure_mission_key(mission))
    size = log.tree_size(conn)
    root = log.root_at(conn, size)
    prev = latest(conn)
    if prev is not None and prev.size == size and prev.root == root:
        return prev
    note = sign_note(Checkpoint(origin(mission), size, root).text(), [signer])
    res = conn.execute(insert(t.checkpoints).values(tree_size=size, root=root, note=note,
                                                    created_at=datetime.now(UTC)))  # fmt: skip
    return StoredCheckpoint(int(res.inserted_primary_key[0]), size, root, note)


def cosign(mission: Mission, conn: Connection, key_file: Path) -> tuple[StoredCheckpoint, int | None]:
    """Co-sign the latest checkpoint with a party's key, only if it extends what that key signed before.

    The key's own memory of its last signature (KEY.last-checkpoint, beside the key) is what counts: the
    mission cannot make a party forget what it signed."""
    signer = read_signer(key_file)
    cp = latest(conn)
    if cp is None:
        raise TrucewatchError("no checkpoint to co-sign; the chief monitor signs one with 'trucewatch checkpoint'")
    state = key_file.with_name(key_file.name + ".last-checkpoint")
    prev_size = None
    if state.exists():
        prev = Checkpoint.parse(split_note(state.read_text())[0])
        if prev.origin != origin(mission):
            raise VerificationError(f"key last signed another log: expected {origin(mission)}, got {prev.origin}")
        proof = log.consistency(conn, prev.size, cp.size) if prev.size <= cp.size else []
        verify_consistency(prev.size, cp.size, prev.root, cp.root, proof)
        prev_size = prev.size
    names = [n for n, _, _ in split_note(cp.note)[1]]
    note = cp.note if signer.name in names else add_signature(cp.note, signer)
    res = conn.execute(insert(t.checkpoints).values(tree_size=cp.size, root=cp.root, note=note,
                                                    created_at=datetime.now(UTC)))  # fmt: skip
    state.write_text(note)
    return StoredCheckpoint(int(res.inserted_primary_key[0]), cp.size, cp.root, note), prev_size


def bundle(conn: Connection, index: int) -> dict[str, Any]:
    """Entry, inclusion proof and checkpoint: everything an offline verifier needs."""
    cp = latest(conn)
    if cp is None:
        raise TrucewatchError("no checkpoint yet; sign one with 'trucewatch checkpoint'")
    if not 0 <= index < cp.size:
        raise TrucewatchError(f"entry {index} is not covered by the latest checkpoint (size {cp.size})")
    row = conn.execute(select(t.log_leaves).where(t.log_leaves.c.idx == index)).first()
    if row is None:
        raise TrucewatchError(f"entry {index} is missing from the store")
    return {
        "format": "trucewatch-proof-bundle/1",
        "index": index,
        "tree_size": cp.size,
        "entry": base64.b64encode(bytes(row.data)).decode(),
        "proof": [base64.b64encode(h).decode() for h in log.inclusion(conn, index, cp.size)],
        "checkpoint": cp.note,
    }


def write_bundle(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")
