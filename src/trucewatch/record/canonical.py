"""RFC 8785 (JCS) canonical JSON, so every party hashes a record entry to the same bytes.

orjson with sorted keys already produces JCS for the values the record holds (ASCII keys, integers,
strings, floats in the range where shortest round-trip formatting and ECMAScript's agree), at a fraction of
the reference encoder's cost on the record's hot path; anything else goes through the reference `rfc8785`
implementation. A property test checks the two agree.
"""

from __future__ import annotations

from typing import Any

import orjson
import rfc8785

_SAFE, _INTEGRAL, _REFERENCE = 0, 1, 2


_LIMIT = 2**53  # I-JSON's exact integer range
_DEPTH = 200  # deeper than any record entry; the reference encoder decides beyond it


def _scan(obj: Any, depth: int = 0) -> int:
    """0: the fast encoder gives JCS as is; 1: only integral floats need writing as integers;
    2: only the reference encoder is safe (non-ASCII keys, floats or integers outside the agreeing range)."""
    t = obj.__class__
    if t is dict:
        for k in obj:
            if k.__class__ is not str or not k.isascii():
                return _REFERENCE
        return _scan_all(obj.values(), depth)
    if t is list or t is tuple:
        return _scan_all(obj, depth)
    if t is str or obj is None or t is bool:
        return _SAFE
    if t is int:
        # outside I-JSON's exact range: the reference decides (and refuses)
        return _SAFE if -_LIMIT < obj < _LIMIT else _REFERENCE
    if t is float:
        if obj.is_integer():
            # beyond exact integers, formatting rules differ: the reference decides
            return _INTEGRAL if abs(obj) < _LIMIT else _REFERENCE
        return _SAFE if 1e-4 <= abs(obj) < 1e16 else _REFERENCE
    return _REFERENCE


def _scan_all(values: Any, depth: int) -> int:
    """The worst verdict over a container's values (strings and ordinary integers, the commonest, without
    a call)."""
    worst = _SAFE
    for v in values:
        vt = v.__class__
        if vt is str or (vt is int and -_LIMIT < v < _LIMIT):
            continue
        w = _scan(v, depth + 1) if depth < _DEPTH else _REFERENCE
        if w > worst:
            if w == _REFERENCE:
                return w
            worst = w
    return worst


def _integral(obj: Any) -> Any:
    t = type(obj)
    if t is dict:
        return {k: _integral(v) for k, v in obj.items()}
    if t is list or t is tuple:
        return [_integral(v) for v in obj]
    if t is float and obj.is_integer():
        return int(obj)
    return obj


def canonical(obj: Any) -> bytes:
    kind = _scan(obj)
    if kind == _REFERENCE:
        return rfc8785.dumps(obj)
    out = orjson.dumps(_integral(obj) if kind == _INTEGRAL else obj, option=orjson.OPT_SORT_KEYS)
    # orjson writes into an oversized buffer and shrinks it in place; a batch of such results kept alive
    # costs a fresh page fault each (about 4 µs here, more than the encoding). An exact-size copy lets the
    # next call reuse the same buffer.
    return bytes(memoryview(out))
