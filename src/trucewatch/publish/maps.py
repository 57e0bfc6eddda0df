"""The sector map: areas of control, contact line, zones, protected sites, incidents and their ellipses."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Ellipse
from shapely.geometry.base import BaseGeometry

from trucewatch.agreement.model import Agreement
from trucewatch.domain.results import Finding, Incident, LocationEstimate
from trucewatch.publish.render import OUTCOME_COLOURS, PARTY_COLOURS, new_figure, to_data_uri

CHI2_95_2D = 5.991


def _polys(geom: BaseGeometry) -> list[np.ndarray]:
    if geom.geom_type == "Polygon":
        return [np.asarray(geom.exterior.coords)]
    if hasattr(geom, "geoms"):
        return [a for g in geom.geoms for a in _polys(g)]
    return []


def _lines(geom: BaseGeometry) -> list[np.ndarray]:
    if geom.geom_type in ("LineString", "LinearRing"):
        return [np.asarray(geom.coords)]
    if geom.geom_type == "Polygon":
        return [np.asarray(geom.exterior.coords)]
    if hasattr(geom, "geoms"):
        return [a for g in geom.geoms for a in _lines(g)]
    return []


def ellipse_lonlat(loc: LocationEstimate, scale: float = math.sqrt(CHI2_95_2D)) -> Ellipse:
    """The 95 % ellipse of a metric covariance, drawn in degrees around the estimate."""
    cov = np.array(loc.cov)
    w, V = np.linalg.eigh(cov)
    w = np.clip(w, 0, None)
    kx = 1.0 / (111_320.0 * math.cos(math.radians(loc.lat)))
    ky = 1.0 / 110_540.0
    angle = math.degrees(math.atan2(V[1, 1], V[0, 1]))
    return Ellipse((loc.lon, loc.lat), 2 * scale * math.sqrt(w[1]) * kx, 2 * scale * math.sqrt(w[0]) * ky,
                   angle=angle, fill=False, lw=0.8)  # fmt: skip


def sector_map(ag: Agreement, incidents: list[Incident], findings: dict[str, Finding], title: str) -> str:
    fig, ax = new_figure(8.5, 7.5)
    minx, miny, maxx, maxy = ag.sector_bounds()
    order = {p: k for k, p in enumerate(ag.party_ids)}
    for pid, geom in ag.control.items():
        colour = PARTY_COLOURS[order.get(pid, 0) % len(PARTY_COLOURS)]
        for ring in _polys(ag.to_lonlat(geom)):
            ax.fill(ring[:, 0], ring[:, 1], color=colour, alpha=0.08, lw=0)
        c = ag.to_lonlat(geom).representative_point()
        ax.text(c.x, c.y, f"area of {pid}", color=colour, fontsize=9, alpha=0.8, ha="center")
    if ag.buffer_zone is not None:
        for ring in _polys(ag.to_lonlat(ag.buffer_zone)):
            ax.fill(ring[:, 0], ring[:, 1], color="#999999", alpha=0.18, lw=0, label=None)
    shown = set()
    for _wc, (km, zone) in sorted(ag.withdrawal.items(), key=lambda kv: kv[1][0]):
        if km in shown or km > 40:
            continue
        shown.add(km)
        for line in _lines(ag.to_lonlat(zone)):
            ax.plot(line[:, 0], line[:, 1], ls=":", lw=0.7, color="#555555")
    if ag.contact_line is not None:
        for line in _lines(ag.to_lonlat(ag.contact_line)):
            ax.plot(line[:, 0], line[:, 1], color="black", lw=1.6, label="contact line")
    for s in ag.protected_sites:
        ax.plot(s.lon, s.lat, marker="s", ms=5, color="#117a65", ls="none")
        if len(ag.protected_sites) <= 20:
            ax.annotate(s.name, (s.lon, s.lat), fontsize=6, color="#117a65", xytext=(3, 3), textcoords="offset points")
    for inc in incidents:
        f = findings.get(inc.id)
        colour = OUTCOME_COLOURS.get(f.outcome.value if f else "no_violation", "#333333")
        if inc.origin is not None and inc.site is not None:
            ax.plot([inc.origin.lon, inc.site.lon], [inc.origin.lat, inc.site.lat], color=colour, lw=0.5, alpha=0.6)
        for loc, marker in ((inc.origin, "^"), (inc.site, "o")):
            if loc is None:
                continue
            ax.plot(loc.lon, loc.lat, marker=marker, ms=4, color=colour, ls="none")
            if loc.sigma_m < 20_000:
                e = ellipse_lonlat(loc)
                e.set_edgecolor(colour)
                ax.add_patch(e)
    lo_min, la_min = ag.projector.to_lonlat(minx, miny)
    lo_max, la_max = ag.projector.to_lonlat(maxx, maxy)
    ax.set_xlim(float(lo_min), float(lo_max))
    ax.set_ylim(float(la_min), float(la_max))
    ax.set_aspect(1.0 / math.cos(math.radians(float(la_min + la_max) / 2)))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title, fontsize=11)
    legend = [
        ("^", "estimated origin of fire"), ("o", "impact or site"), ("s", "protected site"),
    ]  # fmt: skip
    for m, label in legend:
        ax.plot([], [], marker=m, ls="none", color="#333333", label=label)
    for outcome, colour in OUTCOME_COLOURS.items():
        ax.plot([], [], marker="o", ls="none", color=colour, label=outcome.replace("_", " "))
    ax.plot([], [], ls=":", color="#555555", label="withdrawal lines")
    ax.legend(loc="lower left", fontsize=7, framealpha=0.85)
    notes = [ag.spec.geography.disclaimer or "", "Ellipses: 95 % uncertainty.", *ag.attributions]
    fig.text(0.01, 0.005, "  ".join(n for n in notes if n), fontsize=6.5, color="#444444", wrap=True)
    return to_data_uri(fig)
