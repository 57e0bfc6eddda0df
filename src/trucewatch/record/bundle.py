"""Offline verification of a proof bundle: entry + inclusion proof + signed checkpoint."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from trucewatch.record.errors import VerificationError
from trucewatch.record.hashing import leaf_hash
from trucewatch.record.note import Checkpoint, split_note, verify_note
from trucewatch.record.verify import verify_inclusion


def verify_bundle(text: str, verifier_keys: list[str]) -> dict[str, Any]:
    """Check a bundle against trusted keys; return the entry it proves. Raises VerificationError."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        raise VerificationError("bundle is not JSON: expected a proof bundle, got unreadable text") from None
    if not isinstance(data, dict) or data.get("format") != "trucewatch-proof-bundle/1":
        raise VerificationError("bundle has wrong format: expected trucewatch-proof-bundle/1, got something else")
    try:
        entry = base64.b64decode(data["entry"], validate=True)
        proof = [base64.b64decode(p, validate=True) for p in data["proof"]]
        index, size, note = data["index"], data["tree_size"], data["checkpoint"]
    except (KeyError, TypeError, binascii.Error):
        raise VerificationError("bundle is incomplete: expected entry, proof, index, tree_size, checkpoint") from None
    signers = verify_note(note, verifier_keys)
    cp = Checkpoint.parse(split_note(note)[0])
    if cp.size != size:
        raise VerificationError(f"bundle tree size differs from its checkpoint: expected {cp.size}, got {size}")
    verify_inclusion(leaf_hash(entry), index, cp.size, proof, cp.root)
    try:
        decoded = json.loads(entry)
    except ValueError:
        raise VerificationError("entry is not canonical JSON: expected JSON, got other bytes") from None
    return {"index": index, "tree_size": cp.size, "origin": cp.origin, "signed_by": signers, "entry": decoded}
