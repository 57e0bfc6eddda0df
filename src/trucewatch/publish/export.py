"""Exports of findings: CSV, GeoJSON and ACLED-compatible CSV, in a deterministic order."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from trucewatch.domain.results import Finding, Incident

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "finding_id", "incident_id", "start", "end", "type", "weapon_class", "origin_lat", "origin_lon",
    "origin_sigma_m", "site_lat", "site_lon", "site_sigma_m", "outcome", "obligations", "responsible_party",
    "responsibility", "confidence", "confidence_score", "independent_sources", "status", "observations",
)  # fmt: skip
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "actor2", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities",
)  # fmt: skip


def safe_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas: a cell that starts like one is prefixed with a quote."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _ordered(incidents: list[Incident], findings: list[Finding]) -> list[tuple[Incident, Finding]]:
    by_inc = {f.incident_id: f for f in findings}
    return [(i, by_inc[i.id]) for i in sorted(incidents, key=lambda i: (i.start, i.id)) if i.id in by_inc]


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: safe_cell(r.get(k)) for k in columns})
    return buf.getvalue().encode("utf-8")


def _row(i: Incident, f: Finding) -> dict[str, Any]:
    return {
        "finding_id": f.id, "incident_id": i.id, "start": i.start.isoformat(), "end": i.end.isoformat(),
        "type": i.type, "weapon_class": i.weapon_class.value if i.weapon_class else "",
        "origin_lat": i.origin.lat if i.origin else "", "origin_lon": i.origin.lon if i.origin else "",
        "origin_sigma_m": round(i.origin.sigma_m, 1) if i.origin else "",
        "site_lat": i.site.lat if i.site else "", "site_lon": i.site.lon if i.site else "",
        "site_sigma_m": round(i.site.sigma_m, 1) if i.site else "",
        "outcome": f.outcome.value, "obligations": ";".join(r.obligation_id for r in f.obligations),
        "responsible_party": f.responsible_party or "", "responsibility": json.dumps(f.responsibility, sort_keys=True),
        "confidence": f.confidence, "confidence_score": f.confidence_score,
        "independent_sources": f.independent_sources, "status": f.status.value,
        "observations": ";".join(i.observation_ids),
    }  # fmt: skip


def export_csv(incidents: list[Incident], findings: list[Finding]) -> bytes:
    return _csv(CSV_COLUMNS, [_row(i, f) for i, f in _ordered(incidents, findings)])


def export_geojson(incidents: list[Incident], findings: list[Finding]) -> bytes:
    feats = []
    for i, f in _ordered(incidents, findings):
        loc = i.origin if i.family == "fire" and i.origin else i.site or i.origin
        props = _row(i, f)
        props["responsibility"] = f.responsibility
        if loc is not None:
            props["covariance_m2"] = [list(r) for r in loc.cov]
        geom = {"type": "Point", "coordinates": [loc.lon, loc.lat]} if loc else None
        feats.append({"type": "Feature", "id": f.id, "geometry": geom, "properties": props})
    doc = {"type": "FeatureCollection", "features": feats}
    return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


ACLED_TYPES = {
    "air_strike": ("Explosions/Remote violence", "Air/drone strike"),
    "armed_clash": ("Battles", "Armed clash"),
    "bursts": ("Battles", "Armed clash"),
    "civilian_harm": ("Violence against civilians", "Attack"),
}


def export_acled(incidents: list[Incident], findings: list[Finding], country: str = "") -> bytes:
    rows = []
    for i, f in _ordered(incidents, findings):
        if i.family != "fire":
            continue
        loc = i.site or i.origin
        etype, sub = ACLED_TYPES.get(i.type, ("Explosions/Remote violence", "Shelling/artillery/missile attack"))
        sigma = loc.sigma_m if loc else 1e9
        rows.append({
            "event_id_cnty": f"TW{f.id[2:12].upper()}", "event_date": i.start.date().isoformat(),
            "year": i.start.year, "time_precision": 1, "disorder_type": "Political violence", "event_type": etype,
            "sub_event_type": sub, "actor1": f.responsible_party or "Unidentified Armed Group", "actor2": "",
            "latitude": loc.lat if loc else "", "longitude": loc.lon if loc else "",
            "geo_precision": 1 if sigma < 2000 else 2 if sigma < 10_000 else 3,
            "source": "Trucewatch monitoring mission", "fatalities": 0,
            "notes": f"{f.outcome.value}; {f.rationale}",
        })  # fmt: skip
    return _csv(ACLED_COLUMNS, rows)


EXPORTERS = {"csv": export_csv, "geojson": export_geojson, "acled": export_acled}
