"""Merkle tree hashes and proofs over any store of complete-subtree hashes, in O(log n) reads.

A complete subtree at (level, index) covers leaves [index·2^level, (index+1)·2^level). Every range the
RFC 6962 recursion visits is either such a subtree or a right-edge range [a, n), whose hash folds the
O(log n) complete subtrees that tile it. So proofs need only stored nodes, never the whole tree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from trucewatch.record.hashing import EMPTY_ROOT, largest_power_of_two_below, leaf_hash, node_hash

NodeGetter = Callable[[int, int], bytes]  # (level, index) -> hash of that complete subtree


def range_hash(get: NodeGetter, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for a range the RFC recursion produces (lo aligned to the range's top subtree)."""
    size = hi - lo
    if size <= 0:
        return EMPTY_ROOT
    if size & (size - 1) == 0 and lo % size == 0:
        level = size.bit_length() - 1
        return get(level, lo >> level)
    k = largest_power_of_two_below(size)
    return node_hash(range_hash(get, lo, lo + k), range_hash(get, lo + k, hi))


def tree_root(get: NodeGetter, size: int) -> bytes:
    return range_hash(get, 0, size)


def inclusion_path(get: NodeGetter, index: int, size: int) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]) from stored subtrees; index is 0-based."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            path.append(range_hash(get, lo + k, hi))
            hi = lo + k
        else:
            path.append(range_hash(get, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_path(get: NodeGetter, old: int, new: int) -> list[bytes]:
    """RFC 6962 PROOF(m, D[n]) from stored subtrees."""
    if not 0 <= old <= new:
        raise ValueError(f"cannot prove consistency from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                proof.append(range_hash(get, lo, hi))
            break
        k = largest_power_of_two_below(n)
        if m <= k:
            proof.append(range_hash(get, lo + k, hi))
            hi = lo + k
        else:
            proof.append(range_hash(get, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    proof.reverse()
    return proof


class MemoryTree:
    """All complete-subtree hashes of a list of leaf hashes, kept level by level."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_hash(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append_hash(self, h: bytes) -> None:
        self.levels[0].append(h)
        level, idx = 0, len(self.levels[0]) - 1
        while idx % 2 == 1:
            parent = node_hash(self.levels[level][idx - 1], self.levels[level][idx])
            level += 1
            if len(self.levels) <= level:
                self.levels.append([])
            self.levels[level].append(parent)
            idx //= 2

    def get(self, level: int, index: int) -> bytes:
        return self.levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self.get, self.size if size is None else size)


def tree_of(leaves: Sequence[bytes]) -> MemoryTree:
    return MemoryTree([leaf_hash(d) for d in leaves])
