"""What each role may see: observer identities and positions only inside the mission; coarse public places."""

from __future__ import annotations

import math
from typing import Any

from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Finding, Incident

INSIDE = {"monitor", "analyst", "chief"}
OBSERVER_FIELDS = ("source_id", "source_group", "observer_lat", "observer_lon", "narrative", "reported_at")


def _snap(lat: float, lon: float, grid_m: float) -> tuple[float, float]:
    if grid_m <= 0:
        return lat, lon
    dlat = grid_m / 110_540.0
    dlon = grid_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return round(round(lat / dlat) * dlat, 5), round(round(lon / dlon) * dlon, 5)


def observation_view(o: Observation, role: str, grid_m: float) -> dict[str, Any]:
    d = o.model_dump(mode="json")
    d["grade"] = o.grade.code
    if role in INSIDE:
        return d
    for k in OBSERVER_FIELDS:
        d.pop(k, None)
    d.pop("bearing_deg", None), d.pop("bearing_sigma_deg", None), d.pop("direction", None)
    if role == "public" and d.get("lat") is not None:
        d["lat"], d["lon"] = _snap(d["lat"], d["lon"], grid_m)
        d["location_precision_m"] = max(d.get("location_precision_m") or 0.0, grid_m / 2)
    return d


def _loc(loc: Any, role: str, grid_m: float) -> dict[str, Any] | None:
    if loc is None:
        return None
    d = loc.model_dump(mode="json")
    if role == "public":
        d["lat"], d["lon"] = _snap(d["lat"], d["lon"], grid_m)
        extra = (grid_m / 2) ** 2
        d["cov"] = [[d["cov"][0][0] + extra, d["cov"][0][1]], [d["cov"][1][0], d["cov"][1][1] + extra]]
        d.pop("x"), d.pop("y")
    return d


def incident_view(inc: Incident, f: Finding | None, role: str, grid_m: float) -> dict[str, Any]:
    d = inc.model_dump(mode="json", exclude={"origin", "site"})
    d["origin"] = _loc(inc.origin, role, grid_m)
    d["site"] = _loc(inc.site, role, grid_m)
    d["finding"] = f.model_dump(mode="json") if f else None
    return d


def visible_to_party(f: Finding, party: str, complaints_by: set[str]) -> bool:
    """A liaison reads findings about its party and those its own complaints started."""
    return f.responsible_party == party or f.responsibility.get(party, 0) > 0 or f.incident_id in complaints_by
