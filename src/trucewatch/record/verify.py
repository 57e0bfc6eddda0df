"""Proof verification per RFC 9162 §2.1.3.2 and §2.1.4.2. Only VerificationError ever escapes."""

from __future__ import annotations

from typing import Any

from trucewatch.record.errors import VerificationError
from trucewatch.record.hashing import node_hash


def _int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise VerificationError(f"{name} must be an integer: expected int, got {type(v).__name__}")
    if v < 0:
        raise VerificationError(f"{name} must not be negative: expected >= 0, got {v}")
    return v


def _hash(name: str, v: Any) -> bytes:
    if not isinstance(v, bytes | bytearray | memoryview):
        raise VerificationError(f"{name} must be bytes: expected 32 bytes, got {type(v).__name__}")
    b = bytes(v)
    if len(b) != 32:
        raise VerificationError(f"{name} has wrong length: expected 32 bytes, got {len(b)}")
    return b


def _proof(v: Any) -> list[bytes]:
    if isinstance(v, bytes | str) or not hasattr(v, "__iter__"):
        raise VerificationError(f"proof must be a list of hashes: expected list, got {type(v).__name__}")
    return [_hash(f"proof[{i}]", p) for i, p in enumerate(v)]


def verify_inclusion(leaf_hash: bytes, index: int, tree_size: int, proof: list[bytes], root: bytes) -> None:
    """Check that the leaf with this hash sits at index (0-based) in the tree with this root."""
    leaf = _hash("leaf hash", leaf_hash)
    index, tree_size = _int("index", index), _int("tree size", tree_size)
    path, want = _proof(proof), _hash("root", root)
    if index >= tree_size:
        raise VerificationError(f"leaf index out of range: expected < {tree_size}, got {index}")
    expected_len = _inclusion_length(index, tree_size)
    if len(path) != expected_len:
        raise VerificationError(f"inclusion proof has wrong size: expected {expected_len}, got {len(path)}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if r != want:
        raise VerificationError(f"inclusion proof gives a different root: expected {want.hex()}, got {r.hex()}")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """Check that the tree of new_size with new_root extends the tree of old_size with old_root."""
    old_size, new_size = _int("old size", old_size), _int("new size", new_size)
    a, b = _hash("old root", old_root), _hash("new root", new_root)
    path = _proof(proof)
    if old_size > new_size:
        raise VerificationError(f"old tree is larger than new tree: expected <= {new_size}, got {old_size}")
    if old_size == new_size or old_size == 0:
        if path:
            raise VerificationError(f"consistency proof has wrong size: expected 0, got {len(path)}")
        if old_size == new_size and a != b:
            raise VerificationError(f"roots of equal-size trees differ: expected {a.hex()}, got {b.hex()}")
        return
    expected_len = _consistency_length(old_size, new_size)
    if len(path) != expected_len:
        raise VerificationError(f"consistency proof has wrong size: expected {expected_len}, got {len(path)}")
    if old_size & (old_size - 1) == 0:
        path = [a, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long: expected end of proof, got more hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if fr != a:
        raise VerificationError(f"consistency proof gives a different old root: expected {a.hex()}, got {fr.hex()}")
    if sr != b:
        raise VerificationError(f"consistency proof gives a different new root: expected {b.hex()}, got {sr.hex()}")
    if sn != 0:
        raise VerificationError(f"consistency proof is too short: expected position 0, got {sn}")


def _inclusion_length(index: int, size: int) -> int:
    n, lo, hi = 0, 0, size
    while hi - lo > 1:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if index < lo + k:
            hi = lo + k
        else:
            lo += k
        n += 1
    return n


def _consistency_length(old: int, new: int) -> int:
    n, lo, hi, m, complete = 0, 0, new, old, True
    while True:
        size = hi - lo
        if m == size:
            return n + (0 if complete else 1)
        k = 1 << ((size - 1).bit_length() - 1)
        if m <= k:
            hi = lo + k
        else:
            lo, m, complete = lo + k, m - k, False
        n += 1
