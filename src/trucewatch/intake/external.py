"""Map rows of published exports (ACLED, UCDP GED, NASA FIRMS) onto the observation schema."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from trucewatch.intake.rows import RowError

ACLED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "latitude", "longitude")
UCDP_COLUMNS = ("id", "type_of_violence", "date_start", "latitude", "longitude")
FIRMS_COLUMNS = ("latitude", "longitude", "acq_date", "acq_time")

ACLED_SUB_TYPES = {
    "Shelling/artillery/missile attack": ("explosion", "impact"),
    "Air/drone strike": ("air_strike", "impact"),
    "Remote explosive/landmine/IED": ("explosion", "impact"),
    "Grenade": ("explosion", "impact"),
    "Suicide bomb": ("explosion", "impact"),
    "Armed clash": ("armed_clash", "site"),
    "Government regains territory": ("armed_clash", "site"),
    "Non-state actor overtakes territory": ("armed_clash", "site"),
    "Attack": ("civilian_harm", "impact"),
    "Abduction/forced disappearance": ("civilian_harm", "site"),
    "Sexual violence": ("civilian_harm", "site"),
    "Headquarters or base established": ("troop_movement", "site"),
    "Non-violent transfer of territory": ("troop_movement", "site"),
    "Disrupted weapons use": ("air_strike", "impact"),
    "Looting/property destruction": ("civilian_harm", "site"),
}


def _require(row: dict[str, Any], cols: tuple[str, ...]) -> None:
    for c in cols:
        if not str(row.get(c) or "").strip():
            raise RowError(c, "missing (required by this export's published column list)")


def _date(value: str, field: str) -> datetime:
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise RowError(field, f"{value!r} is not a date this export uses (YYYY-MM-DD)")


def _num(row: dict[str, Any], field: str) -> float:
    try:
        return float(str(row[field]).strip())
    except (KeyError, ValueError):
        raise RowError(field, f"{row.get(field)!r} is not a number") from None


def from_acled(row: dict[str, Any]) -> dict[str, Any]:
    _require(row, ACLED_COLUMNS)
    sub = str(row["sub_event_type"]).strip()
    if sub not in ACLED_SUB_TYPES:
        raise RowError("sub_event_type", f"{sub!r} ({row['event_type']}) is not an event a truce monitors")
    kind, aspect = ACLED_SUB_TYPES[sub]
    day = _date(str(row["event_date"]), "event_date").replace(hour=12)
    actors = " vs ".join(a for a in (row.get("actor1"), row.get("actor2")) if a)
    notes = str(row.get("notes") or "")
    return {
        "client_id": f"acled-{row['event_id_cnty']}",
        "observed_at": day,
        "time_precision": "day",
        "source_kind": "open_source",
        "source_id": f"ACLED:{(row.get('source') or 'unknown')[:150]}",
        "source_group": "ACLED",
        "type": kind,
        "aspect": aspect,
        "lat": _num(row, "latitude"),
        "lon": _num(row, "longitude"),
        "geo_precision": int(_num(row, "geo_precision")) if str(row.get("geo_precision") or "").strip() else 2,
        "place": (row.get("location") or None),
        "narrative": f"[ACLED {row['event_type']} / {sub}; {actors}; fatalities {row.get('fatalities', '?')}] {notes}"[
            :10_000
        ],
        "grade": "C3",
    }


def from_ucdp(row: dict[str, Any]) -> dict[str, Any]:
    _require(row, UCDP_COLUMNS)
    tov = str(row["type_of_violence"]).strip()
    kinds = {"1": "armed_clash", "2": "armed_clash", "3": "civilian_harm"}
    if tov not in kinds:
        raise RowError("type_of_violence", f"{tov!r} is not 1, 2 or 3")
    where = str(row.get("where_prec") or "").strip()
    prec = {"1": 1, "2": 2, "3": 2}.get(where, 3)
    sides = " vs ".join(s for s in (row.get("side_a"), row.get("side_b")) if s)
    return {
        "client_id": f"ucdp-{str(row['id']).strip()}",
        "observed_at": _date(str(row["date_start"]), "date_start").replace(hour=12),
        "time_precision": "day",
        "source_kind": "open_source",
        "source_id": f"UCDP:{str(row.get('source_office') or 'GED')[:150]}",
        "source_group": "UCDP",
        "type": kinds[tov],
        "aspect": "site",
        "lat": _num(row, "latitude"),
        "lon": _num(row, "longitude"),
        "geo_precision": prec,
        "place": (row.get("where_coordinates") or None),
        "narrative": f"[UCDP GED {sides}; deaths best {row.get('best', '?')}] {row.get('source_headline') or ''}"[
            :10_000
        ],
        "grade": "B2",
    }


def from_firms(row: dict[str, Any]) -> dict[str, Any]:
    _require(row, FIRMS_COLUMNS)
    day = _date(str(row["acq_date"]), "acq_date")
    hhmm = str(row["acq_time"]).strip().zfill(4)
    if not hhmm.isdigit() or len(hhmm) != 4 or int(hhmm[:2]) > 23 or int(hhmm[2:]) > 59:
        raise RowError("acq_time", f"{row['acq_time']!r} is not an HHMM time")
    when = day.replace(hour=int(hhmm[:2]), minute=int(hhmm[2:]))
    lat, lon = _num(row, "latitude"), _num(row, "longitude")
    sat = str(row.get("satellite") or "?").strip()
    inst = str(row.get("instrument") or ("VIIRS" if "bright_ti4" in row else "MODIS")).strip()
    conf = str(row.get("confidence") or "").strip().lower()
    if conf in ("h", "high"):
        cred = 2
    elif conf in ("n", "nominal"):
        cred = 3
    elif conf in ("l", "low"):
        cred = 4
    elif conf.isdigit():
        cred = 2 if int(conf) >= 80 else 3 if int(conf) >= 30 else 4
    else:
        cred = 6
    scan = float(row["scan"]) if str(row.get("scan") or "").strip() else 0.375
    track = float(row["track"]) if str(row.get("track") or "").strip() else 0.375
    key = f"{lat:.5f},{lon:.5f},{day.date()},{hhmm},{sat},{inst}"
    return {
        "client_id": "firms-" + hashlib.sha256(key.encode()).hexdigest()[:20],
        "observed_at": when,
        "time_precision": "minute",
        "source_kind": "satellite",
        "source_id": f"FIRMS:{inst}:{sat}",
        "source_group": f"FIRMS:{inst}",
        "type": "thermal_anomaly",
        "aspect": "impact",
        "lat": lat,
        "lon": lon,
        "location_precision_m": max(scan, track) * 1000.0 / 2.0,
        "narrative": f"[FIRMS {inst} {sat}] FRP {row.get('frp', '?')} MW, confidence {conf or '?'}",
        "grade": f"B{cred}",
    }
