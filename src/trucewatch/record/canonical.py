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


def _scan(obj: Any) -> int:
    """0: the fast encoder gives JCS as is; 1: only integral floats need writing as integers;
    2: only the reference encoder is safe (non-ASCII keys, floats or integers outside the agreeing range)."""
    worst = _SAFE
    stack = [obj]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        o = pop()
        t = type(o)
        if t is str or o is None or t is bool:
            continue
        if t is dict:
            for k, v in o.items():
                if type(k) is not str or not k.isascii():
                    return _REFERENCE
                if type(v) is not str:
                    push(v)
        elif t is int:
            if not -(2**53) < o < 2**53:
                return _REFERENCE  # outside I-JSON's exact range: the reference decides (and refuses)
        elif t is float:
            if o.is_integer():
                if abs(o) >= 2**53:
                    return _REFERENCE  # beyond exact integers, formatting rules differ: the reference decides
                worst = _INTEGRAL
            elif not 1e-4 <= abs(o) < 1e16:
                return _REFERENCE
        elif t is list or t is tuple:
            extend(o)
        else:
            return _REFERENCE
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
    return orjson.dumps(_integral(obj) if kind == _INTEGRAL else obj, option=orjson.OPT_SORT_KEYS)
