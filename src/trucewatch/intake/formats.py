"""Dispatch a file to its reader and validate every row; nothing is dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from trucewatch.domain.observation import Observation
from trucewatch.errors import IntakeError
from trucewatch.intake.csvrows import iter_csv
from trucewatch.intake.external import from_acled, from_firms, from_ucdp
from trucewatch.intake.jsonrows import iter_geojson, iter_jsonl
from trucewatch.intake.rows import IntakeResult, RawRow, Rejection, RowError
from trucewatch.intake.validate import Context, to_observation

Mapper = Callable[[dict[str, Any]], dict[str, Any]] | None
FORMATS: dict[str, tuple[Callable[[bytes, str], Iterator[RawRow | Rejection]], Mapper]] = {
    "csv": (iter_csv, None),
    "jsonl": (iter_jsonl, None),
    "geojson": (iter_geojson, None),
    "acled": (iter_csv, from_acled),
    "ucdp": (iter_csv, from_ucdp),
    "firms": (iter_csv, from_firms),
}


def detect_format(path: Path, head: bytes) -> str:
    """Guess the format from the extension and, for CSV, the header's column names."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".geojson",):
        return "geojson"
    if suffix == ".json":
        return "geojson" if b"FeatureCollection" in head[:4096] else "jsonl"
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    cols = {c.strip().strip('"') for c in first.split(",")}
    if {"event_id_cnty", "sub_event_type"} <= cols:
        return "acled"
    if {"type_of_violence", "date_start"} <= cols:
        return "ucdp"
    if {"acq_date", "acq_time"} <= cols:
        return "firms"
    return "csv"


def read_file(path: Path, ctx: Context, fmt: str | None = None, name: str | None = None) -> IntakeResult:
    return _collect(iter_file(path, ctx, fmt, name))


def iter_file(
    path: Path, ctx: Context, fmt: str | None = None, name: str | None = None
) -> Iterator[tuple[RawRow, Observation] | Rejection]:
    """Each row of a file, validated, in file order: accepted with its raw row, or rejected with why. Only
    the file's bytes and the current row are held, so a million rows can be read without keeping them all."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IntakeError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IntakeError(f"{path}: is a directory, not a file") from None
    return iter_bytes(data, name or path.name, ctx, fmt or detect_format(path, data[:8192]))


def read_bytes(data: bytes, name: str, ctx: Context, fmt: str) -> IntakeResult:
    return _collect(iter_bytes(data, name, ctx, fmt))


def iter_bytes(data: bytes, name: str, ctx: Context, fmt: str) -> Iterator[tuple[RawRow, Observation] | Rejection]:
    if fmt not in FORMATS:
        raise IntakeError(f"{name}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return _validated(FORMATS[fmt], data, name, ctx)


def _validated(
    reader: tuple[Callable[[bytes, str], Iterator[RawRow | Rejection]], Mapper], data: bytes, name: str, ctx: Context
) -> Iterator[tuple[RawRow, Observation] | Rejection]:
    rows, mapper = reader
    for item in rows(data, name):
        if isinstance(item, Rejection):
            yield item
            continue
        try:
            fields = mapper(item.fields) if mapper else item.fields
            obs = to_observation(fields, ctx)
        except RowError as e:
            yield Rejection(item.file, item.line, e.field, e.reason, item.raw)
            continue
        yield item, obs


def _collect(items: Iterator[tuple[RawRow, Observation] | Rejection]) -> IntakeResult:
    result = IntakeResult()
    for item in items:
        if isinstance(item, Rejection):
            result.rejected.append(item)
        else:
            result.accepted.append(item)
    return result
