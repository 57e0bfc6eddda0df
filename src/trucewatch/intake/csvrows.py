"""CSV records with their line numbers and exact raw bytes; malformed records become rejections."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from trucewatch.intake.rows import MAX_ROW_BYTES, RawRow, Rejection
from trucewatch.intake.text import decode_lines, has_undecodable, raw_bytes

csv.field_size_limit(16 * 1024 * 1024)


def iter_csv(data: bytes, name: str) -> Iterator[RawRow | Rejection]:
    """Yield one RawRow per record, or a Rejection for a record that is not well-formed CSV."""
    lines = decode_lines(data)
    if not lines:
        yield Rejection(name, 1, "(file)", "file is empty: expected a header line", b"")
        return
    pos = 0
    reader = csv.reader(_counting(lines))
    try:
        header = next(reader)
    except csv.Error as e:
        yield Rejection(
            name, 1, "(header)", f"header is not valid CSV ({e})", lines[0].encode(errors="surrogateescape")
        )
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if any(has_undecodable(h) for h in header):
        yield Rejection(name, 1, "(header)", "header is not valid UTF-8", raw_bytes(lines[:1]))
        return
    pos = reader.line_num
    while True:
        start = pos + 1
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            end = max(reader.line_num, start)
            yield Rejection(name, start, "(row)", f"not valid CSV ({e})", raw_bytes(lines[start - 1 : end]))
            pos = end
            continue
        end = reader.line_num
        raw = raw_bytes(lines[start - 1 : end])
        pos = end
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(raw) > MAX_ROW_BYTES:
            yield Rejection(name, start, "(row)", f"row is {len(raw)} bytes; the limit is {MAX_ROW_BYTES}", raw)
            continue
        if len(rec) < len(header):
            yield Rejection(
                name, start, header[len(rec)],
                f"row has {len(rec)} fields, header has {len(header)} (truncated line?)", raw,
            )  # fmt: skip
            continue
        if len(rec) > len(header):
            yield Rejection(name, start, "(row)", f"row has {len(rec)} fields, header has {len(header)}", raw)
            continue
        fields: dict[str, Any] = dict(zip(header, rec, strict=True))
        yield RawRow(name, start, raw, fields)


def _counting(lines: list[str]) -> Iterator[str]:
    yield from lines
