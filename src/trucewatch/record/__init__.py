"""The verifiable record: RFC 6962 Merkle log, C2SP checkpoints and signed notes, offline verification.

The functions here are the small public API for the parties' own tools. Indexes are 0-based.
"""

from __future__ import annotations

from collections.abc import Sequence

from trucewatch.record.errors import VerificationError
from trucewatch.record.hashing import leaf_hash
from trucewatch.record.note import verify_note
from trucewatch.record.tree import consistency_path, inclusion_path, tree_of
from trucewatch.record.verify import verify_consistency, verify_inclusion

__all__ = [
    "VerificationError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
    "verify_note",
]


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a sequence of raw leaf data."""
    return tree_of(leaves).root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for the leaf at index in the tree of all the given leaves."""
    return inclusion_path(tree_of(leaves).get, index, len(leaves))


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Proof that the tree of the first old_size leaves is a prefix of the tree of all of them."""
    return consistency_path(tree_of(leaves).get, old_size, len(leaves))
