"""Reading geometry given inline as GeoJSON or in referenced files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from trucewatch.errors import AgreementError


def read_geometry(ref: dict[str, Any], base: Path, where: str) -> BaseGeometry:
    """A shapely geometry (lon/lat) from inline GeoJSON or {"file": ...}; errors name the key path."""
    if "file" in ref:
        path = (base / str(ref["file"])).resolve()
        try:
            ref = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AgreementError(f"{where}.file: {path} does not exist") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise AgreementError(f"{where}.file: {path} is not valid GeoJSON ({e})") from None
    try:
        kind = ref.get("type")
        if kind == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in ref["features"]]
            geom = unary_union(geoms)
        elif kind == "Feature":
            geom = shape(ref["geometry"])
        else:
            geom = shape(ref)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise AgreementError(f"{where}: not a GeoJSON geometry, Feature or FeatureCollection ({e})") from None
    if geom.is_empty:
        raise AgreementError(f"{where}: geometry is empty")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise AgreementError(f"{where}: coordinates out of range (GeoJSON is longitude, latitude)")
    if not geom.is_valid:
        geom = geom.buffer(0)
    return geom


GPPD_CATEGORY = {"Nuclear": "nuclear_plant", "Hydro": "dam"}


def read_gppd_sites(path: Path, where: str) -> list[dict[str, Any]]:
    """Power plants from a Global Power Plant Database CSV, as protected-site dicts."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise AgreementError(f"{where}.file: {path} does not exist") from None
    sites = []
    for i, r in enumerate(rows, start=2):
        try:
            lat, lon = float(r["latitude"]), float(r["longitude"])
        except (KeyError, ValueError):
            raise AgreementError(f"{where}.file: {path} line {i}: latitude/longitude missing or invalid") from None
        sites.append(
            {
                "id": r.get("gppd_idnr") or f"gppd-{i}",
                "name": r.get("name", ""),
                "category": GPPD_CATEGORY.get(r.get("primary_fuel", ""), "power_generation"),
                "lat": lat,
                "lon": lon,
                "detail": f"{r.get('primary_fuel', '')}, {r.get('capacity_mw', '?')} MW",
            }
        )
    return sites
