"""The post-pass's gates for many (report, cluster) pairs at once, in arrays: which pairs `cost` would
certainly rule out, so that it need not be computed for them.

Two tests, each only ever ruling out a pair `cost` would rule out:
- **where they can be met**: every place `cost` measures a report from (its rough places, its bearings'
  observers) and a cluster from (its estimates) lie in a disc; two discs farther apart than the farthest
  any gate reaches (`footprint`'s rule) cannot be joined. Along a front of many sectors, most clusters in
  a report's time window are in another sector. A cluster with a lone bearing's line is measured from its
  members' rays, which the pass can add to, so it is never ruled out by place; nor is one whose places are
  not all numbers;
- **the position gate** (`associate._point_cost`): one of the report's measurements fails the gate of the
  cluster's located estimate of its end.

Pairs neither can judge are left in, and borderline ones too: a pair is ruled out only when it lies outside
a gate by a relative 1e-6 (discs) or 1e-9 (χ² and ranges), so float rounding (numpy's against `math`'s)
never rules out a pair `cost` would admit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from trucewatch.domain.results import LINE_ONLY
from trucewatch.fusion import footprint
from trucewatch.fusion.measure import CHI2_1D, CHI2_2D, ObsView
from trucewatch.fusion.table import ASPECT_CODE

if TYPE_CHECKING:
    from trucewatch.fusion.associate import Cluster

MARGIN = 1e-9  # relative: a pair is ruled out only when this far outside the gate


class Located:
    """Per cluster, the disc of its estimates (`disc`: centre x, y; radius, infinite where it cannot be ruled
    out by place; the largest trace of a located estimate's covariance), and per cluster and end (aspect
    code) the estimate `_point_cost` gates against, where there is one: located (covariance under 1e9) and
    not a lone bearing's line."""

    def __init__(self, clusters: list[Cluster]) -> None:
        n = len(clusters)
        shape = (len(ASPECT_CODE), n)
        self.has = np.zeros(shape, dtype=bool)
        self.x, self.y, self.c00, self.c01, self.c11 = (np.zeros(shape) for _ in range(5))
        known = np.zeros(shape, dtype=bool)  # any estimate of that end, located or not
        kx, ky = np.zeros(shape), np.zeros(shape)
        lone = np.zeros(n, dtype=bool)
        spread = np.zeros(n)
        for j, c in enumerate(clusters):
            for aspect, e in c.estimates.items():
                if e is None:
                    continue
                a = ASPECT_CODE[aspect]
                known[a, j], kx[a, j], ky[a, j] = True, e.x, e.y
                if e.method == LINE_ONLY:
                    lone[j] = True
                if not e.c00 < 1e9:
                    continue
                spread[j] = max(spread[j], e.c00 + e.c11)
                if e.method != LINE_ONLY:
                    self.has[a, j] = True
                    self.x[a, j], self.y[a, j] = e.x, e.y
                    self.c00[a, j], self.c01[a, j], self.c11[a, j] = e.c00, e.c01, e.c11
        # the disc of the known estimates (a lone bearing's cluster is measured from its members' rays, which
        # the pass can add to: never ruled out by place; nor one with no estimate or a place not a number)
        count = known.sum(axis=0)
        cx = np.where(known, kx, 0.0).sum(axis=0) / np.maximum(count, 1)
        cy = np.where(known, ky, 0.0).sum(axis=0) / np.maximum(count, 1)
        radius = np.where(known, np.hypot(kx - cx, ky - cy), 0.0).max(axis=0, initial=0.0)
        whole = (count > 0) & ~lone & np.isfinite(radius) & np.isfinite(cx) & np.isfinite(cy)
        self.disc = np.column_stack((np.where(whole, cx, 0.0), np.where(whole, cy, 0.0),
                                     np.where(whole, radius, np.inf), spread))  # fmt: skip


class Measured:
    """The measurements of some reports, a row each: which report (its position in the list given), its end,
    and what `_point_cost` reads — a bare bearing's observer, direction, spread and range band, or else the
    rough place and its covariance; and per report the disc of every place `cost` measures it from (`disc`,
    as `footprint.of_view`: its measurements' rough places and its rays' observers)."""

    def __init__(self, views: list[ObsView]) -> None:
        rows = [(k, m) for k, v in enumerate(views) for m in v.measurements]
        self.report = np.array([k for k, _ in rows], dtype=np.int64)
        self.aspect = np.array([ASPECT_CODE[m.aspect] for _, m in rows], dtype=np.int64)
        self.bare = np.array([m.ray is not None and not m.ray.ranged for _, m in rows], dtype=bool)
        values, places = [], []
        for (_, m), bare in zip(rows, self.bare.tolist(), strict=True):
            p, r = m.rough(), m.ray
            if bare:
                assert r is not None
                values.append((r.ox, r.oy, r.theta, r.sigma, r.r_lo, r.r_hi))
            else:
                values.append((p.x, p.y, p.c00, p.c01, p.c11, 0.0))
            places.append((p.x, p.y, p.c00 + p.c11) + ((r.ox, r.oy) if r is not None else (math.nan, math.nan)))
        self.values = np.array(values, dtype=float).reshape(len(rows), 6)
        self.disc = _discs(np.array(places, dtype=float).reshape(len(rows), 5), self.report, len(views))


def _discs(places: np.ndarray, report: np.ndarray, n: int) -> np.ndarray:
    """Per report, the disc of its rows' places (rough x, y, trace of its covariance, and the observer's x, y
    or NaN), as `footprint.disc` makes it: infinite where a place is not a number."""
    rx, ry, trace, ox, oy = places.T
    has_obs = ~np.isnan(ox)
    count = np.bincount(report, minlength=n) + np.bincount(report, weights=has_obs, minlength=n)
    cx = (np.bincount(report, weights=rx, minlength=n) + np.bincount(report, weights=np.where(has_obs, ox, 0.0),
                                                                      minlength=n)) / np.maximum(count, 1)  # fmt: skip
    cy = (np.bincount(report, weights=ry, minlength=n) + np.bincount(report, weights=np.where(has_obs, oy, 0.0),
                                                                      minlength=n)) / np.maximum(count, 1)  # fmt: skip
    far = np.maximum(np.hypot(rx - cx[report], ry - cy[report]),
                     np.where(has_obs, np.hypot(ox - cx[report], oy - cy[report]), 0.0))  # fmt: skip
    radius, spread = np.zeros(n), np.zeros(n)
    np.maximum.at(radius, report, np.where(np.isnan(far), np.inf, far))
    np.maximum.at(spread, report, trace)
    whole = (count > 0) & np.isfinite(radius) & np.isfinite(cx) & np.isfinite(cy)
    return np.column_stack((np.where(whole, cx, 0.0), np.where(whole, cy, 0.0), np.where(whole, radius, np.inf),
                            spread))  # fmt: skip


def ruled_out(measured: Measured, located: Located, report: np.ndarray, cluster: np.ndarray, farthest: float
              ) -> np.ndarray:  # fmt: skip
    """Per pair (report `report[i]` in `measured`'s numbering, cluster `cluster[i]` in `located`'s), whether
    their discs lie farther apart than `farthest` (the farthest any gate reaches, `associate._farthest`) and
    their spreads allow, or one of the report's measurements certainly fails the gate of the cluster's
    estimate of its end."""
    out = ~footprint.may_meet_pairs(measured.disc[report], located.disc[cluster], farthest)
    near = np.flatnonzero(~out)
    out[near] = _fails_a_gate(measured, located, report[near], cluster[near])
    return out


def _fails_a_gate(measured: Measured, located: Located, report: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Per pair, whether one of the report's measurements certainly fails the position gate."""
    out = np.zeros(len(report), dtype=bool)
    if not len(report) or not len(measured.report):
        return out
    # each pair once per measurement of its report: the report's rows are consecutive in `measured`
    first = np.searchsorted(measured.report, report, side="left")
    count = np.searchsorted(measured.report, report, side="right") - first
    pair = np.repeat(np.arange(len(report)), count)
    row = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
    a, j = measured.aspect[row], cluster[pair]
    judged = located.has[a, j]
    pair, row, a, j = pair[judged], row[judged], a[judged], j[judged]
    ex, ey = located.x[a, j], located.y[a, j]
    caa, cab, cbb = located.c00[a, j], located.c01[a, j], located.c11[a, j]
    v = measured.values[row]
    bare = measured.bare[row]
    fails = np.zeros(len(row), dtype=bool)
    k = np.flatnonzero(bare)  # a bearing: angular innovation against its own and the estimate's spread
    if len(k):
        dx, dy = ex[k] - v[k, 0], ey[k] - v[k, 1]
        rho2 = np.maximum(dx * dx + dy * dy, 1.0)
        rho = np.sqrt(rho2)
        nu = (v[k, 2] - np.arctan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi
        ja, jb = dy / rho2, -dx / rho2
        s = v[k, 3] ** 2 + ja * ja * caa[k] + 2 * ja * jb * cab[k] + jb * jb * cbb[k]
        fails[k] = (
            (rho > v[k, 5] * 1.1 * (1 + MARGIN)) | (rho < v[k, 4] * 0.5 * (1 - MARGIN))
            | (nu * nu > CHI2_1D * (1 + MARGIN) * s)
        )  # fmt: skip
    k = np.flatnonzero(~bare)  # a place: Mahalanobis distance under both covariances
    if len(k):
        dx, dy = v[k, 0] - ex[k], v[k, 1] - ey[k]
        s00, s01, s11 = v[k, 2] + caa[k], v[k, 3] + cab[k], v[k, 4] + cbb[k]
        det = s00 * s11 - s01 * s01
        chi2 = (s11 * dx * dx - 2 * s01 * dx * dy + s00 * dy * dy) / np.where(det > 0, det, 1.0)
        fails[k] = (det > 0) & np.isfinite(det) & (chi2 > CHI2_2D * (1 + MARGIN))
    out[pair[fails]] = True
    return out
