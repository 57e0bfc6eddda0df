"""Split fine observations into independent components: candidate pairs from a k-d tree over local metric
coordinates plus scaled time (never all pairs), vectorised gates built from each observation's own
uncertainty, connected components."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from itertools import chain

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from trucewatch.fusion.associate import AFTERMATH_TYPES, FAMILY_WINDOW_S
from trucewatch.fusion.columns import ASPECTS, OBSERVATION_TYPES
from trucewatch.fusion.measure import (
    CROSS_ASPECT_SLACK_M,
    ObsView,
    band_cov,
    crossing,
    crossing_sine,
    firing_gap,
    joint_reach,
)
from trucewatch.fusion.table import ASPECT_CODE

GATE_2D = 20.0  # generous: components are only candidates; every cluster is checked after localisation
GATE_1D = 15.0
LOOSE_TAU_S = 120.0  # observations vaguer than this in time are not linked into components
PAIR_BLOCK = 1_000_000  # candidate pairs gated together


def _near(a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
          radius: float, seconds: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Pairs (i, j) of places (x, y) and times t, i from `a` and j from `b` (or, with b None, i < j both from
    `a`), at most `radius` metres and `seconds` apart: a k-d tree over the plane and time scaled so that
    `seconds` spans `radius`, whose ball of √2·radius holds that cylinder; the cylinder is then cut exactly."""
    empty = np.zeros(0, dtype=np.int64)
    other = a if b is None else b
    if len(a[0]) == 0 or len(other[0]) == 0 or (b is None and len(a[0]) < 2):
        return empty, empty
    scale = max(radius, 1.0) / max(seconds, 1e-9)
    t0 = min(float(a[2].min()), float(other[2].min()))
    tree = cKDTree(np.column_stack((a[0], a[1], (a[2] - t0) * scale)))
    ball = math.sqrt(2.0) * max(radius, 1.0) * (1 + 1e-9) + 1e-6
    if b is None:
        ij = tree.query_pairs(ball, output_type="ndarray")
        i, j = ij[:, 0].astype(np.int64), ij[:, 1].astype(np.int64)
    else:
        near = tree.sparse_distance_matrix(cKDTree(np.column_stack((b[0], b[1], (b[2] - t0) * scale))), ball,
                                           output_type="ndarray")  # fmt: skip
        i, j = near["i"].astype(np.int64), near["j"].astype(np.int64)
    keep = (np.abs(a[2][i] - other[2][j]) <= seconds) & (
        np.hypot(a[0][i] - other[0][j], a[1][i] - other[1][j]) <= radius
    )
    return i[keep], j[keep]


def _candidates(c: _Cols, idx: np.ndarray, seconds: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Candidate pairs among these reports (indices into `c`) within `seconds` of each other, by class, each
    class's radius the farthest its gate in `_linked` can pass (so no pair it would link is left out):
    - located reports of one aspect: the Mahalanobis gate passes only within √(GATE_2D · (tr Σi + tr Σj));
    - a bare bearing of that aspect and a located report: the report within 1.1 × the bearing's reach of
      its observer; two bare bearings: observers within 1.1 × both reaches (their rays must meet);
    - reports of different aspects (an event's two ends): rough places within the weapon's reach plus
      `CROSS_ASPECT_SLACK_M`."""
    aspect, located = c.aspect[idx], c.has_point[idx]

    def at_point(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return c.px[k], c.py[k], c.t[k]

    def at_observer(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return c.ox[k], c.oy[k], c.t[k]

    codes = np.unique(aspect).tolist()
    for code in codes:
        pts, rays = idx[(aspect == code) & located], idx[(aspect == code) & ~located]
        if len(pts) > 1:
            spread = float((c.c00[pts] + c.c11[pts]).max())
            i, j = _near(at_point(pts), None, math.sqrt(GATE_2D * 2 * spread) * 1.0001 + 1.0, seconds)
            yield pts[i], pts[j]
        if len(rays):
            far = float(c.rhi[rays].max()) * 1.1 * 1.0001 + 1.0
            i, j = _near(at_observer(rays), at_point(pts), far, seconds)
            yield rays[i], pts[j]
            i, j = _near(at_observer(rays), None, 2 * far, seconds)
            yield rays[i], rays[j]
    for n, first in enumerate(codes):
        for second in codes[n + 1 :]:
            one, two = idx[aspect == first], idx[aspect == second]
            reach = float(max(c.reach[one].max(), c.reach[two].max()))
            i, j = _near(at_point(one), at_point(two), (reach + CROSS_ASPECT_SLACK_M) * 1.0001 + 1.0, seconds)
            yield one[i], two[j]


class _Cols:
    """Per-observation columns of the primary measurement."""

    def __init__(self, views: list[ObsView]) -> None:
        n = len(views)
        held = _held(views)
        if held is not None:  # as `prepare` computed them, gathered by each view's index
            at = np.fromiter((v.index for v in views), dtype=np.int64, count=n)
            kind = held["type"][at]
            self.t, self.tau, self.reach, self.source = (held[k][at] for k in ("t", "tau", "reach", "source"))
            self.window, self.after = _TYPE_WINDOW[kind], _TYPE_AFTER[kind]
            self.known, self.aspect = held["known"][at].astype(bool), _ASPECT_OF[held["aspect"][at]]
            self.has_point = held["has_point"][at].astype(bool)
            self.px, self.py, self.c00, self.c01, self.c11 = (held[k][at] for k in ("px", "py", "c00", "c01", "c11"))
            self.ox, self.oy, self.theta, self.sigma, self.rhi, self.arrival = (
                held[k][at] for k in ("ox", "oy", "theta", "sigma", "rhi", "arrival"))  # fmt: skip
            return
        # one pass over the views for the scalar columns (a pass per column costs more than the reads)
        per_view = ((v.t, v.tau, FAMILY_WINDOW_S.get(v.family, 600.0), v.report.type in AFTERMATH_TYPES, v.reach,
                     v.weapon_known, ASPECT_CODE[v.measurements[0].aspect]) for v in views)  # fmt: skip
        scalars = np.fromiter(chain.from_iterable(per_view), dtype=float, count=7 * n).reshape(n, 7)
        self.t, self.tau, self.window, after, self.reach, known, aspect = (np.ascontiguousarray(a) for a in scalars.T)
        self.after, self.known, self.aspect = after.astype(bool), known.astype(bool), aspect.astype(np.int8)
        self.source = np.fromiter((hash(v.report.source_id) for v in views), dtype=np.int64, count=n)
        self.has_point = np.zeros(n, dtype=bool)
        self.px, self.py = np.zeros(n), np.zeros(n)
        self.c00, self.c01, self.c11 = np.zeros(n), np.zeros(n), np.zeros(n)  # covariance of the point
        self.ox, self.oy, self.theta, self.sigma, self.rhi = (np.zeros(n) for _ in range(5))
        self.arrival = np.full(n, np.nan)
        first = [v.measurements[0] for v in views]
        pts = [(k, m.point) for k, m in enumerate(first) if m.point is not None]
        rays = [(k, m.ray) for k, m in enumerate(first) if m.ray is not None]
        if pts:  # columns filled with fromiter: building arrays from per-report tuples or 2x2 arrays is slow
            at = np.fromiter((k for k, _ in pts), dtype=np.int64, count=len(pts))
            vals = np.fromiter(chain.from_iterable((p.x, p.y, p.c00, p.c01, p.c01, p.c11) for _, p in pts),
                               dtype=float, count=6 * len(pts)).reshape(-1, 6)  # fmt: skip
            self.has_point[at] = True
            self.px[at], self.py[at] = vals[:, 0], vals[:, 1]
            self.c00[at], self.c01[at], self.c11[at] = vals[:, 2], vals[:, 3], vals[:, 5]
        if rays:
            at = np.fromiter((k for k, _ in rays), dtype=np.int64, count=len(rays))
            fields = ((r.ox, r.oy, r.theta, r.sigma, r.r_hi, r.r_mid, r.r_sigma, r.ranged, first[k].arrival)
                      for k, r in rays)  # fmt: skip
            cols = np.fromiter(chain.from_iterable(fields), dtype=float, count=9 * len(rays)).reshape(-1, 9)
            ox, oy, theta, sigma, rhi, mid, r_sigma, ranged, arrival = cols.T
            self.ox[at], self.oy[at], self.theta[at], self.sigma[at], self.rhi[at] = ox, oy, theta, sigma, rhi
            self.arrival[at] = arrival
            # each ray as a rough point (`Ray.as_point`): mid range, the band along the ray, the angle across
            self.has_point[at] = ranged.astype(bool)
            self.px[at], self.py[at] = ox + mid * np.sin(theta), oy + mid * np.cos(theta)
            self.c00[at], self.c01[at], self.c11[at] = band_cov(theta, sigma, mid, r_sigma)

    def reorder(self, order: np.ndarray) -> None:
        """Every column in this order (`order[k]` the row that becomes row k)."""
        for name, column in vars(self).items():
            setattr(self, name, column[order])


# per observation type (an index into OBSERVATION_TYPES): its family's time window, and whether it reports an
# event's aftermath; per aspect (into ASPECTS), its code
_TYPE_WINDOW = np.array([FAMILY_WINDOW_S.get(t.family, 600.0) for t in OBSERVATION_TYPES])
_TYPE_AFTER = np.array([t in AFTERMATH_TYPES for t in OBSERVATION_TYPES])
_ASPECT_OF = np.array([ASPECT_CODE[a] for a in ASPECTS], dtype=np.int8)


def _held(views: list[ObsView]) -> dict[str, np.ndarray] | None:
    """The `PRIMARY` columns of the one `prepare` that made all these views, if it still holds them."""
    if not views:
        return None
    rows = views[0].measurements[0].rows
    if rows is None or rows.primary is None or any(v.measurements[0].rows is not rows for v in views):
        return None
    return rows.primary


def _let_go(views: list[ObsView]) -> None:
    """The partition has read the views' `PRIMARY` columns: their `prepare` need hold them no longer."""
    rows = views[0].measurements[0].rows if views else None
    if rows is not None:
        rows.primary = None


def _gate(c: _Cols, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Which candidate pairs may describe one event: the time gates first (most candidates fail them),
    then the geometry of those left."""
    dt = np.abs(c.t[i] - c.t[j])
    ok = dt <= c.window[i] + c.tau[i] + c.tau[j]
    ok &= ~((c.source[i] == c.source[j]) & (dt > np.minimum(c.tau[i], c.tau[j])))
    keep = np.flatnonzero(ok)
    ok[keep] = _linked(c, i[keep], j[keep])
    return ok


def _linked(c: _Cols, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether the positions the two reports give (points, bearings, ranges) can be of one event. Each pair
    takes exactly one of five tests, by what the two reports locate; each test runs on its pairs only."""
    same = c.aspect[i] == c.aspect[j]
    pi, pj = c.has_point[i], c.has_point[j]
    link = np.zeros(len(i), dtype=bool)
    k = np.flatnonzero(same & pi & pj)
    link[k] = _points_agree(c, i[k], j[k])
    for ray, pt, sel in ((i, j, same & ~pi & pj), (j, i, same & pi & ~pj)):
        k = np.flatnonzero(sel)
        link[k] = _bearing_meets_point(c, ray[k], pt[k])
    k = np.flatnonzero(same & ~pi & ~pj)
    link[k] = _bearings_cross(c, i[k], j[k])
    k = np.flatnonzero(~same)
    link[k] = _ends_within_reach(c, i[k], j[k])
    return link


def _points_agree(c: _Cols, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Two located reports: the Mahalanobis distance under both covariances."""
    dx, dy = c.px[i] - c.px[j], c.py[i] - c.py[j]
    s00, s01, s11 = c.c00[i] + c.c00[j], c.c01[i] + c.c01[j], c.c11[i] + c.c11[j]
    det = s00 * s11 - s01**2
    maha = (s11 * dx**2 - 2 * s01 * dx * dy + s00 * dy**2) / np.where(det > 0, det, 1.0)
    return maha <= GATE_2D


def _bearing_meets_point(c: _Cols, ray: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """A bare bearing against a located report: angular innovation and range."""
    rx, ry = c.px[pt] - c.ox[ray], c.py[pt] - c.oy[ray]
    rho2 = np.maximum(rx * rx + ry * ry, 1.0)
    nu = (c.theta[ray] - np.arctan2(rx, ry) + np.pi) % (2 * np.pi) - np.pi
    perp = (c.c00[pt] + c.c11[pt]) / 2 / rho2
    return (nu * nu / (c.sigma[ray] ** 2 + perp) <= GATE_1D) & (np.sqrt(rho2) <= c.rhi[ray] * 1.1)


def _bearings_cross(c: _Cols, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Two bare bearings: they must cross in front of both, within reach; two timed ones where the firing
    times their arrivals imply agree (the crossing's error along each ray counted)."""
    ua0, ua1 = np.sin(c.theta[i]), np.cos(c.theta[i])
    ub0, ub1 = np.sin(c.theta[j]), np.cos(c.theta[j])
    den = crossing_sine(ua0, ua1, ub0, ub1)
    bx, by = c.ox[j] - c.ox[i], c.oy[j] - c.oy[i]
    den_ok = np.abs(den) > 1e-3
    den = np.where(den_ok, den, 1.0)
    s, u = crossing(ua0, ua1, ub0, ub1, bx, by, den)
    ok = den_ok & (s > 25) & (u > 25) & (s <= c.rhi[i] * 1.1) & (u <= c.rhi[j] * 1.1)
    timed = np.flatnonzero(ok & ~np.isnan(c.arrival[i]) & ~np.isnan(c.arrival[j]))
    if len(timed):
        ti, tj = i[timed], j[timed]
        gap, var = firing_gap(c.arrival[ti], s[timed], c.sigma[ti], c.arrival[tj], u[timed], c.sigma[tj], den[timed])
        ok[timed] = gap * gap <= GATE_1D * var
    return ok


def _ends_within_reach(c: _Cols, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The two ends of one fire event: within the weapon's reach of each other."""
    dist = np.hypot(c.px[i] - c.px[j], c.py[i] - c.py[j])
    slack = 3 * np.sqrt((c.c00[i] + c.c11[i] + c.c00[j] + c.c11[j]).clip(0))
    return dist <= joint_reach(c.reach[i], c.known[i], c.reach[j], c.known[j]) + np.minimum(slack, CROSS_ASPECT_SLACK_M)


def _linkable(views: list[ObsView]) -> tuple[list[ObsView], _Cols, list[tuple[np.ndarray, float]]]:
    """The views in time order, their columns, and per family the reports that may be linked (indices) with
    the time within which two of them may be: vague reports (complaints, open sources) and reports of an
    event's aftermath (craters, damage, harm, documented minutes to hours later) are not linked here, as one
    of them would chain every event of its hours into one component. They join a cluster afterwards, by
    their own gates (`finish`)."""
    # read in the order given (memory order: reading a million views out of it costs twice), then put in order
    c = _Cols(views)
    _let_go(views)
    fam = np.array([v.family for v in views])
    order = np.lexsort((np.array([v.report.id for v in views]), c.t))  # by time, ties by id: stable, as `sorted`
    c.reorder(order)
    views, fam = [views[k] for k in order.tolist()], fam[order]
    linkable = (c.tau <= LOOSE_TAU_S) & ~c.after
    families = [(np.flatnonzero((fam == f) & linkable), FAMILY_WINDOW_S.get(str(f), 600.0) + 2 * LOOSE_TAU_S)
                for f in np.unique(fam)]  # fmt: skip
    return views, c, families


def components(views: list[ObsView], seconds: dict[str, float] | None = None) -> list[list[ObsView]]:
    """Connected components of the gated candidate graph, each in time order. `seconds`, when given, receives
    how long the reports' columns took to read off the views ("columns") and the graph took from them: its
    candidate pairs, gates and connected components, all in arrays ("graph")."""
    if not views:
        return []
    t0 = time.perf_counter()
    views, c, families = _linkable(views)
    t1 = time.perf_counter()
    links_i, links_j = [], []
    for idx, within in families:
        for pa, pb in _candidates(c, idx, within):
            for s in range(0, len(pa), PAIR_BLOCK):  # a block at a time: the gates' arrays stay small
                a, b = pa[s : s + PAIR_BLOCK], pb[s : s + PAIR_BLOCK]
                g = _gate(c, a, b)
                links_i.append(a[g])
                links_j.append(b[g])
    n = len(views)
    i = np.concatenate(links_i) if links_i else np.zeros(0, dtype=int)
    j = np.concatenate(links_j) if links_j else np.zeros(0, dtype=int)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    if seconds is not None:
        seconds["columns"], seconds["graph"] = t1 - t0, time.perf_counter() - t1
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return [[views[k] for k in grp] for grp in np.split(order, cuts)]
