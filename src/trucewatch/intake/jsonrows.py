"""JSON Lines and GeoJSON records with their positions and raw bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from trucewatch.intake.rows import MAX_ROW_BYTES, RawRow, Rejection


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (NaN and infinities are refused)")


def loads_strict(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=_no_constants)


def iter_jsonl(data: bytes, name: str) -> Iterator[RawRow | Rejection]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for i, raw in enumerate(data.splitlines(keepends=True), start=1):
        body = raw.strip()
        if not body:
            continue
        if len(raw) > MAX_ROW_BYTES:
            yield Rejection(name, i, "(row)", f"line is {len(raw)} bytes; the limit is {MAX_ROW_BYTES}", raw)
            continue
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            yield Rejection(name, i, "(row)", f"not valid UTF-8 ({e.reason} at byte {e.start})", raw)
            continue
        try:
            obj = loads_strict(text)
        except (ValueError, RecursionError) as e:
            yield Rejection(name, i, "(row)", f"not valid JSON ({e}); a truncated line?", raw)
            continue
        if not isinstance(obj, dict):
            yield Rejection(name, i, "(row)", "each line must be one JSON object", raw)
            continue
        yield RawRow(name, i, raw, obj)


def iter_geojson(data: bytes, name: str) -> Iterator[RawRow | Rejection]:
    """Each Feature's properties are observation fields; a Point geometry gives lat/lon."""
    try:
        doc = loads_strict(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        yield Rejection(name, 1, "(file)", f"not a valid UTF-8 GeoJSON document ({e})", data[:MAX_ROW_BYTES])
        return
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        yield Rejection(name, 1, "(file)", "expected a GeoJSON FeatureCollection", data[:MAX_ROW_BYTES])
        return
    for i, feat in enumerate(doc["features"], start=1):
        raw = json.dumps(feat, ensure_ascii=False, sort_keys=True).encode()
        where = f"features[{i - 1}]"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            yield Rejection(name, i, where, "not a GeoJSON Feature", raw)
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            yield Rejection(name, i, f"{where}.properties", "must be an object", raw)
            continue
        fields = dict(props)
        geom = feat.get("geometry")
        if geom is not None:
            coords = geom.get("coordinates") if isinstance(geom, dict) else None
            if (
                not isinstance(geom, dict)
                or geom.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                yield Rejection(name, i, f"{where}.geometry", "only Point geometries locate an observation", raw)
                continue
            if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2]):
                yield Rejection(name, i, f"{where}.geometry", "coordinates must be numbers", raw)
                continue
            fields["lon"], fields["lat"] = coords[0], coords[1]
        yield RawRow(name, i, raw, fields)
