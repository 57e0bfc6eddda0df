"""RFC 8785 (JCS) canonical JSON, so every party hashes a record entry to the same bytes."""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical(obj: Any) -> bytes:
    return rfc8785.dumps(obj)
