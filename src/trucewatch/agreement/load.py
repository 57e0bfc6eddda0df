"""Load an agreement YAML file: validate, resolve referenced files, project geometry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely
import yaml
from pydantic import ValidationError
from shapely.geometry import Point
from shapely.ops import unary_union

from trucewatch.agreement.geojson import read_geometry, read_gppd_sites
from trucewatch.agreement.model import Agreement, Site
from trucewatch.agreement.projection import Projector
from trucewatch.agreement.schema import AgreementFile, ProtectedSite, SiteFile
from trucewatch.errors import AgreementError


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def parse_agreement(text: str, name: str) -> AgreementFile:
    """Validate agreement text; errors name the file, the key path and the reason."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise AgreementError(f"{name}{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
    if not isinstance(raw, dict):
        raise AgreementError(f"{name}: the agreement must be a YAML mapping at the top level")
    try:
        return AgreementFile.model_validate(raw)
    except ValidationError as e:
        lines = [f"{name}: {_path(err['loc'])}: {err['msg']}" for err in e.errors()]
        raise AgreementError("\n".join(lines)) from None


def load_agreement(path: Path | str) -> Agreement:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AgreementError(f"{path}: agreement file does not exist") from None
    except UnicodeDecodeError as e:
        raise AgreementError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from None
    return compile_agreement(parse_agreement(text, str(path)), text, path.parent)


def compile_agreement(spec: AgreementFile, text: str, base: Path) -> Agreement:
    geo = spec.geography
    control_ll = {pid: read_geometry(ref, base, f"geography.control.{pid}") for pid, ref in geo.control.items()}
    line_ll = read_geometry(geo.contact_line, base, "geography.contact_line") if geo.contact_line else None

    sites_raw: list[tuple[dict[str, Any], float]] = []
    attributions: list[str] = []
    for i, entry in enumerate(geo.protected_sites):
        if isinstance(entry, SiteFile):
            for s in read_gppd_sites((base / entry.file).resolve(), f"geography.protected_sites.{i}"):
                sites_raw.append((s, entry.radius_m))
            if entry.attribution:
                attributions.append(entry.attribution)
        else:
            sites_raw.append((_site_dict(entry, base, i), entry.radius_m))

    anchors = list(control_ll.values()) + ([line_ll] if line_ll is not None else [])
    anchors += [Point(s["lon"], s["lat"]) for s, _ in sites_raw]
    if not anchors:
        anchors = [Point(p.lon, p.lat) for p in geo.places]
    if not anchors:
        raise AgreementError("geography: give at least control areas, a contact line, protected sites or places")
    union = unary_union(anchors)
    c, corners = union.centroid, shapely.get_coordinates(union)
    projector = Projector.along(c.x, c.y, corners[:, 0], corners[:, 1])
    ag = Agreement(
        spec=spec,
        source_text=text,
        base=base,
        projector=projector,
        control={},
        contact_line=None,
        buffer_zone=None,
        withdrawal={},
        protected_sites=[],
        storage_sites=[],
        places={},
        attributions=attributions,
    )
    ag.control = {pid: ag.to_metric(g) for pid, g in control_ll.items()}
    if line_ll is not None:
        ag.contact_line = ag.to_metric(line_ll)
    if geo.buffer_zone is not None:
        if geo.buffer_zone.geometry is not None:
            ag.buffer_zone = ag.to_metric(read_geometry(geo.buffer_zone.geometry, base, "geography.buffer_zone"))
        elif ag.contact_line is None:
            raise AgreementError("geography.buffer_zone.width_m: needs geography.contact_line to measure from")
        else:
            ag.buffer_zone = ag.contact_line.buffer(geo.buffer_zone.width_m)
    for i, wz in enumerate(geo.withdrawal_zones):
        if ag.contact_line is None:
            raise AgreementError(f"geography.withdrawal_zones.{i}: needs geography.contact_line to measure from")
        zone = ag.contact_line.buffer(wz.distance_km * 1000.0, quad_segs=8)
        for wc in wz.weapon_classes:
            ag.withdrawal[wc] = (wz.distance_km, zone)
    for s, radius in sites_raw:
        x, y = projector.to_xy(s["lon"], s["lat"])
        geom = ag.to_metric(s["geometry_ll"]) if "geometry_ll" in s else Point(float(x), float(y))
        ag.protected_sites.append(
            Site(
                s["id"],
                s["name"],
                s["category"],
                s["lon"],
                s["lat"],
                geom.buffer(max(radius, 1.0)),
                s.get("detail", ""),
            )
        )
    for st in geo.storage_sites:
        x, y = projector.to_xy(st.lon, st.lat)
        ag.storage_sites.append(
            Site(
                st.id, st.name, "storage", st.lon, st.lat, Point(float(x), float(y)).buffer(st.radius_m), party=st.party
            )
        )
    for p in geo.places:
        for n in [p.name, *p.aliases]:
            ag.places[n.casefold()] = (p.lon, p.lat)
    return ag


def _site_dict(entry: ProtectedSite, base: Path, i: int) -> dict[str, Any]:
    if entry.geometry is not None:
        g = read_geometry(entry.geometry, base, f"geography.protected_sites.{i}.geometry")
        c = g.representative_point()
        return {
            "id": entry.id,
            "name": entry.name,
            "category": entry.category,
            "lon": c.x,
            "lat": c.y,
            "geometry_ll": g,
        }
    return {"id": entry.id, "name": entry.name, "category": entry.category, "lon": entry.lon, "lat": entry.lat}
