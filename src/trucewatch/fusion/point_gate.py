"""The association's position gate (`associate._point_cost`) for many (report, cluster) pairs at once, in
arrays: which pairs a report's measurement certainly fails against the cluster's estimate of that end.

`cost` rules a report out of a cluster when any of its measurements falls outside the gate of the
cluster's estimate of the same end, so such pairs need no cost at all. This decides that for every pair
in one pass; the cost of the pairs left is computed as before, one by one. Pairs it cannot judge (the end
not located, a lone bearing's line, a place that is not a number) are left in, and borderline ones too:
a pair is ruled out only when its χ² or range exceeds the gate by a relative 1e-9, so float rounding
(numpy's against `math`'s) never rules out a pair `cost` would admit."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from trucewatch.domain.results import LINE_ONLY
from trucewatch.fusion.measure import CHI2_1D, CHI2_2D, ObsView
from trucewatch.fusion.table import ASPECT_CODE

if TYPE_CHECKING:
    from trucewatch.fusion.associate import Cluster

MARGIN = 1e-9  # relative: a pair is ruled out only when this far outside the gate


class Located:
    """Per cluster and end (aspect code), the estimate `_point_cost` gates against, where there is one:
    located (its covariance finite, under 1e9) and not a lone bearing's line."""

    def __init__(self, clusters: list[Cluster]) -> None:
        shape = (len(ASPECT_CODE), len(clusters))
        self.has = np.zeros(shape, dtype=bool)
        self.x, self.y, self.c00, self.c01, self.c11 = (np.zeros(shape) for _ in range(5))
        for j, c in enumerate(clusters):
            for aspect, e in c.estimates.items():
                if e is None or not e.c00 < 1e9 or e.method == LINE_ONLY:
                    continue
                a = ASPECT_CODE[aspect]
                self.has[a, j] = True
                self.x[a, j], self.y[a, j] = e.x, e.y
                self.c00[a, j], self.c01[a, j], self.c11[a, j] = e.c00, e.c01, e.c11


class Measured:
    """The measurements of some reports, a row each: which report (its position in the list given), its end,
    and what `_point_cost` reads — a bare bearing's observer, direction, spread and range band, or else the
    rough place and its covariance."""

    def __init__(self, views: list[ObsView]) -> None:
        rows = [(k, m) for k, v in enumerate(views) for m in v.measurements]
        self.report = np.array([k for k, _ in rows], dtype=np.int64)
        self.aspect = np.array([ASPECT_CODE[m.aspect] for _, m in rows], dtype=np.int64)
        self.bare = np.array([m.ray is not None and not m.ray.ranged for _, m in rows], dtype=bool)
        values = []
        for (_, m), bare in zip(rows, self.bare.tolist(), strict=True):
            if bare:
                r = m.ray
                assert r is not None
                values.append((r.ox, r.oy, r.theta, r.sigma, r.r_lo, r.r_hi))
            else:
                p = m.rough()
                values.append((p.x, p.y, p.c00, p.c01, p.c11, 0.0))
        self.values = np.array(values, dtype=float).reshape(len(rows), 6)


def ruled_out(measured: Measured, located: Located, report: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Per pair (report `report[i]` in `measured`'s numbering, cluster `cluster[i]` in `located`'s), whether
    one of the report's measurements certainly fails the gate of the cluster's estimate of its end."""
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
