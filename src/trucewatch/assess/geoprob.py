"""Probability that an uncertain position lies inside a zone, integrating its Gaussian uncertainty.

Averaged over a fixed scrambled-Sobol sample of the normal distribution, shipped with the package, so the
same input always gives the same answer (results must be reproducible across runs and machines). Where the
boundary lies beyond the sample's farthest point (about 3.5 sigmas along the ellipse's major axis), every
sample point falls on the same side as the position itself, so the answer is 0 or 1 and is decided from
the position alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from scipy.special import ndtr, ndtri
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

SAMPLES = 1024
OUTSIDE = "outside"  # the share outside every party's area of control


SAMPLE_FILE = "normal-sample-1024.npy"  # in trucewatch/data


@lru_cache(maxsize=1)
def _unit_normal() -> np.ndarray:
    """The fixed sample: `unit_normal_sample()` as made once and shipped with the package, so that every
    machine samples alike whatever its SciPy (whose scrambling may change between releases), and no run
    pays for importing scipy.stats."""
    with resources.files("trucewatch.data").joinpath(SAMPLE_FILE).open("rb") as f:
        return np.load(f, allow_pickle=False)


def unit_normal_sample() -> np.ndarray:
    """SAMPLES points of the standard normal in two dimensions from a scrambled Sobol sequence (seeded): what
    `_unit_normal` ships."""
    from scipy.stats import qmc

    u = qmc.Sobol(d=2, scramble=True, seed=20261201).random(SAMPLES)
    return ndtri(np.clip(u, 1e-9, 1 - 1e-9))  # the normal quantile (`scipy.stats.norm.ppf` computes it so)


@lru_cache(maxsize=1)
def clear_sigmas() -> float:
    """The fixed sample's farthest point from the centre, in sigmas: a sample point lies within this many
    major-axis sigmas of the position, so a boundary farther away than that is crossed by none of them."""
    z = _unit_normal()
    return float(np.hypot(z[:, 0], z[:, 1]).max()) * (1.0 + 1e-9)


def sample_points(x: float, y: float, cov: np.ndarray) -> np.ndarray:
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(cov)
        L = V @ np.diag(np.sqrt(np.clip(w, 0, None)))
    return _unit_normal() @ L.T + np.array([x, y])


@dataclass(frozen=True)
class _Edges:
    """A zone's boundary, prepared, and its straight segments (x0, y0, x1, y1) in a spatial index."""

    zone: BaseGeometry
    boundary: BaseGeometry
    segments: np.ndarray
    tree: STRtree


_EDGES: dict[int, _Edges] = {}


def _edges(zone: BaseGeometry) -> _Edges:
    """Computed once per zone (zones live as long as their agreement)."""
    hit = _EDGES.get(id(zone))
    if hit is None or hit.zone is not zone:
        if len(_EDGES) > 256:
            _EDGES.clear()
        shapely.prepare(zone)
        boundary = zone.boundary
        shapely.prepare(boundary)
        rings = [shapely.get_coordinates(line) for line in shapely.get_parts(boundary)]
        segments = np.vstack([np.hstack([c[:-1], c[1:]]) for c in rings if len(c) > 1] or [np.zeros((0, 4))])
        tree = STRtree(shapely.linestrings(segments.reshape(-1, 2, 2)))
        hit = _EDGES[id(zone)] = _Edges(zone, boundary, segments, tree)
    return hit


def _boundary(zone: BaseGeometry) -> BaseGeometry:
    return _edges(zone).boundary


def _straight(zone: BaseGeometry, x: np.ndarray, y: np.ndarray, cov: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """P(inside) for positions whose boundary, within `reach`, is one straight segment: that segment then
    crosses the whole disc (a corner would bring its neighbour within reach too), the zone is a half-plane
    there, and the Gaussian's share of it is Φ(signed distance / sigma across the line) — exact, up to the
    mass beyond the reach, which sampling ignores as well. NaN where the boundary near a position is not
    one segment (corners, narrow parts): those are sampled."""
    edges = _edges(zone)
    out = np.full(len(x), np.nan)
    if not len(x) or not len(edges.segments):
        return out
    at, seg = edges.tree.query(shapely.points(x, y), predicate="dwithin", distance=reach)
    count = np.bincount(at, minlength=len(x))
    one = np.flatnonzero(count == 1)
    which = np.full(len(x), -1)
    which[at] = seg
    s = edges.segments[which[one]]
    dx, dy = s[:, 2] - s[:, 0], s[:, 3] - s[:, 1]
    length = np.hypot(dx, dy)
    nx, ny = -dy / length, dx / length  # unit normal to the segment
    dist = np.abs((x[one] - s[:, 0]) * nx + (y[one] - s[:, 1]) * ny)
    c = cov[one]
    across = np.sqrt(nx * nx * c[:, 0, 0] + 2 * nx * ny * c[:, 0, 1] + ny * ny * c[:, 1, 1])
    z = dist / np.maximum(across, 1e-12)
    inside = shapely.contains_xy(zone, x[one], y[one])  # the position's own side; on the line, 0.5 either way
    out[one] = np.where(inside, ndtr(z), ndtr(-z))  # Φ(z) inside, 1 − Φ(z) outside (`norm.cdf`, `norm.sf`)
    return out


def _axes(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Roots of the larger and the smaller eigenvalues of n 2×2 covariances (n×2×2), in closed form."""
    half = (cov[:, 0, 0] + cov[:, 1, 1]) / 2
    det = cov[:, 0, 0] * cov[:, 1, 1] - cov[:, 0, 1] * cov[:, 0, 1]
    gap = np.sqrt(np.maximum(half * half - det, 0.0))
    return np.sqrt(np.maximum(half + gap, 0.0)), np.sqrt(np.maximum(half - gap, 0.0))


def _major_sigmas(cov: np.ndarray) -> np.ndarray:
    return _axes(cov)[0]


def _inside(pts: np.ndarray, zone: BaseGeometry) -> float:
    """The share of these sample points that falls inside the zone."""
    return float(np.mean(shapely.contains_xy(zone, pts[:, 0], pts[:, 1])))


def _decided(zone: BaseGeometry, x: np.ndarray, y: np.ndarray, cov: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """P(inside) wherever it needs no sampling: 0 or 1 where the boundary is beyond the sample's reach
    (`clear_sigmas` major-axis sigmas), the half-plane share where one straight segment is within it
    (`_straight`); NaN where the position must be sampled."""
    reach = clear_sigmas() * sigma
    p = np.full(len(x), np.nan)
    clear = shapely.distance(_boundary(zone), shapely.points(x, y)) > reach
    p[clear] = shapely.contains_xy(zone, x[clear], y[clear])
    near = np.flatnonzero(~clear)
    p[near] = _straight(zone, x[near], y[near], cov[near], reach[near])
    return p


def probability_inside(x: float, y: float, cov: np.ndarray, zone: BaseGeometry | None) -> float:
    """P(the position is inside the zone): `Odds` of this one position."""
    one = Odds(np.array([x], dtype=float), np.array([y], dtype=float), np.asarray(cov, dtype=float)[None])
    return one.inside(0, zone)


class Odds:
    """P(inside) of many positions (n, n, n×2×2) for each zone asked about: decided for all of them at once,
    the first time a zone is asked about (`_decided`), and sampled one by one only where asked and needed.
    Each position gets what `probability_inside` gives it."""

    def __init__(self, x: np.ndarray, y: np.ndarray, cov: np.ndarray) -> None:
        self.x, self.y, self.cov = x, y, cov
        self.sigma = _major_sigmas(cov)
        self._zones: dict[int, tuple[BaseGeometry, np.ndarray]] = {}

    def inside(self, k: int, zone: BaseGeometry | None) -> float:
        """P(position k is inside the zone)."""
        if zone is None or zone.is_empty:
            return 0.0
        hit = self._zones.get(id(zone))
        if hit is None or hit[0] is not zone:
            hit = self._zones[id(zone)] = (zone, _decided(zone, self.x, self.y, self.cov, self.sigma))
        p = float(hit[1][k])
        if p != p:  # NaN: near a corner, sampled (once)
            p = hit[1][k] = _inside(sample_points(float(self.x[k]), float(self.y[k]), self.cov[k]), zone)
        return p


def party_probabilities_many(
    x: np.ndarray, y: np.ndarray, cov: np.ndarray, areas: dict[str, BaseGeometry]
) -> list[dict[str, float]]:
    """P(each position in each party's area of control), the rest (outside all areas) under 'outside';
    cov is n×2×2. What needs no sampling is decided for all positions at once, area by area (`_decided`);
    the rest are sampled one by one, with one sample for all the areas a position reaches. Each position
    gets what `probability_inside` gives it."""
    n = len(x)
    sigma = _major_sigmas(cov)
    columns: dict[str, np.ndarray] = {}
    near: dict[int, list[str]] = {}  # position -> the areas it must be sampled against
    for pid, zone in sorted(areas.items()):
        p = np.zeros(n)
        if zone is not None and not zone.is_empty:
            p = _decided(zone, x, y, cov, sigma)
            for k in np.flatnonzero(np.isnan(p)).tolist():
                near.setdefault(k, []).append(pid)
        columns[pid] = p
    for k, pids in near.items():  # one sample per position, tested against each area it reaches
        pts = sample_points(float(x[k]), float(y[k]), cov[k])
        for pid in pids:
            columns[pid][k] = _inside(pts, areas[pid])
    out = []
    for k in range(n):
        probs = {pid: round(float(col[k]), 4) for pid, col in columns.items()}
        rest = max(0.0, 1.0 - sum(probs.values()))
        if rest > 1e-4:
            probs[OUTSIDE] = round(rest, 4)
        out.append(probs)
    return out


SPAN_POINTS = 24  # places along a bearing's span at which its lower bounds are taken


def party_lower_bounds_along(
    x: np.ndarray, y: np.ndarray, cov: np.ndarray, areas: dict[str, BaseGeometry]
) -> list[dict[str, float]]:
    """For positions known only as a line — a lone bearing with no distance, summarised as a Gaussian whose
    major axis is the span its sensor can sense (a uniform band: ±√3 sigmas about the middle) — the
    probability each area has wherever along the span the position lies: the least, over `SPAN_POINTS`
    places spread along it, of what `party_probabilities_many` gives there with the error across the line
    (the minor axis). Where the span crosses a boundary an area's bound is about 0; the bounds then do not
    sum to one, and what they leave is what the measurement cannot place."""
    n = len(x)
    if not n:
        return []
    major, minor = _axes(cov)
    angle = 0.5 * np.arctan2(2 * cov[:, 0, 1], cov[:, 0, 0] - cov[:, 1, 1])  # the major axis, from +x
    ux, uy = np.cos(angle), np.sin(angle)
    along = np.linspace(-1.0, 1.0, SPAN_POINTS) * math.sqrt(3.0)  # in major-axis sigmas
    px = (x[:, None] + along[None, :] * (major * ux)[:, None]).ravel()
    py = (y[:, None] + along[None, :] * (major * uy)[:, None]).ravel()
    across = np.repeat(np.maximum(minor, 1.0) ** 2, SPAN_POINTS)
    pcov = np.zeros((n * SPAN_POINTS, 2, 2))
    pcov[:, 0, 0] = pcov[:, 1, 1] = across
    psigma = np.sqrt(across)
    zones = sorted(areas.items())
    # what needs no sampling, per area and place (NaN where it does); "outside" where every area is known
    known = {}
    for pid, zone in zones:
        empty = zone is None or zone.is_empty
        known[pid] = np.zeros((n, SPAN_POINTS)) if empty else _decided(zone, px, py, pcov, psigma).reshape(n, -1)
    known[OUTSIDE] = np.maximum(1.0 - sum(known.values()), 0.0)  # NaN wherever an area is
    # a span is sampled only where that could lower a bound: every bound its known places leave above 0
    # (a span across the contact line has places sure to be on each side, so every bound is 0 already)
    with np.errstate(invalid="ignore"):
        open_ = np.zeros(n, dtype=bool)
        for col in known.values():
            seen = np.where(np.isnan(col), np.inf, col).min(axis=1)
            open_ |= seen > 0
    open_ &= np.isnan(known[OUTSIDE]).any(axis=1)
    for k in np.flatnonzero(open_).tolist():
        for j in np.flatnonzero(np.isnan(known[OUTSIDE][k])).tolist():
            at = k * SPAN_POINTS + j
            pts = sample_points(float(px[at]), float(py[at]), pcov[at])
            for pid, zone in zones:
                if np.isnan(known[pid][k, j]):
                    known[pid][k, j] = _inside(pts, zone)
            known[OUTSIDE][k, j] = max(1.0 - sum(known[pid][k, j] for pid, _ in zones), 0.0)
    bounds = {key: np.where(np.isnan(col), 1.0, col).min(axis=1) for key, col in known.items()}
    out = []
    for k in range(n):
        probs = {pid: round(float(bounds[pid][k]), 4) for pid, _ in zones}
        if bounds[OUTSIDE][k] > 1e-4:
            probs[OUTSIDE] = round(float(bounds[OUTSIDE][k]), 4)
        out.append(probs)
    return out
