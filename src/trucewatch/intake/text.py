"""Decoding input bytes without losing any: bad bytes are kept and flagged, never replaced."""

from __future__ import annotations

import io

BOMS = (b"\xef\xbb\xbf",)


def decode_lines(data: bytes) -> list[str]:
    """Split into lines (ends kept), decoding UTF-8 with surrogateescape so raw bytes round-trip."""
    for bom in BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
    text = data.decode("utf-8", errors="surrogateescape")
    return list(io.StringIO(text, newline=""))


def raw_bytes(lines: list[str]) -> bytes:
    return "".join(lines).encode("utf-8", errors="surrogateescape")


def has_undecodable(value: str) -> bool:
    """True when a decoded string holds bytes that were not valid UTF-8."""
    return any("\udc80" <= ch <= "\udcff" for ch in value)
