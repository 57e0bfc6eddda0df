"""Batched maximum-likelihood localisation: many groups of measurements solved at once with numpy.

The model: direct points with their covariances, bearings, Gaussian range bands, and sound arrival times
(sound ranging); a closed-form least-squares start, then Levenberg–Marquardt with Huber weights; the
covariance from the Fisher information at the estimate. It is vectorised over groups, so a million
observations localise in seconds: per-measurement residuals and Jacobians are computed as arrays and the
2×2 normal equations are summed per group with bincount.

Arrival times: each timed report says the sound arrived at firing time + distance / speed of sound. The
firing time is a third unknown per group; it enters linearly, so it is solved exactly at every position
(the mean of arrival − distance / c over the group's timed reports) and the position is fitted to what
is left (variable projection): the residuals are the centred implied firing times, their Jacobian the
centred unit vectors over c. The Fisher information so obtained is the position block of the full
three-unknown information with the firing time taken out (its Schur complement): the time unknown costs
the group one degree of freedom. A group with one timed report learns nothing from its time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaincinv

from trucewatch.domain.enums import SPEED_OF_SOUND_M_S
from trucewatch.domain.results import LINE_ONLY
from trucewatch.fusion.measure import ARRIVAL_SIGMA_S

HUBER_K = 2.5  # residuals beyond this many sigmas count linearly, not quadratically
OUTLIER_SIGMAS = 4.0  # a measurement this many sigmas from its group's estimate does not fit it
GROUP_ALPHA = 1e-3  # a consistent group fails the χ² test this rarely


@dataclass
class MeasurementArrays:
    """One row per measurement; `group` says which estimate it belongs to."""

    group: np.ndarray  # int64
    kind: np.ndarray  # 0 point, 1 ray
    x: np.ndarray  # point position or ray origin
    y: np.ndarray
    iaa: np.ndarray  # inverse point covariance (a, b; b, c)
    iab: np.ndarray
    icc: np.ndarray
    theta: np.ndarray  # ray bearing (grid, radians)
    sigma: np.ndarray
    r_mid: np.ndarray
    r_sigma: np.ndarray
    arrival: np.ndarray  # when the sound arrived (s), NaN where the row is not timed
    r_hi: np.ndarray  # how far the ray's sensor can sense (infinite for a point)
    # the timed rows, gathered once (the solver reads them every iteration): their indices, groups,
    # sensors and arrival times, and per group one over how many are timed
    timed: np.ndarray = field(init=False, repr=False)
    timed_group: np.ndarray = field(init=False, repr=False)
    timed_x: np.ndarray = field(init=False, repr=False)
    timed_y: np.ndarray = field(init=False, repr=False)
    timed_arrival: np.ndarray = field(init=False, repr=False)
    _per_timed: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        k = self.timed = np.flatnonzero(~np.isnan(self.arrival))
        self.timed_group, self.timed_arrival = self.group[k], self.arrival[k]
        self.timed_x, self.timed_y = self.x[k], self.y[k]

    def per_timed(self, n: int) -> np.ndarray:
        """Per group of n, one over its number of timed rows (one where it has none)."""
        if self._per_timed is None or len(self._per_timed) != n:
            self._per_timed = 1.0 / np.maximum(np.bincount(self.timed_group, minlength=n), 1)
        return self._per_timed

    def __len__(self) -> int:
        return len(self.group)

    def take(self, rows: np.ndarray, group: np.ndarray) -> MeasurementArrays:
        """These rows, with the groups given."""
        return MeasurementArrays(group, self.kind[rows], self.x[rows], self.y[rows], self.iaa[rows],
                                 self.iab[rows], self.icc[rows], self.theta[rows], self.sigma[rows],
                                 self.r_mid[rows], self.r_sigma[rows], self.arrival[rows], self.r_hi[rows])  # fmt: skip


@dataclass(slots=True)
class Estimate:
    """One group's position (local metres), its covariance (c00, c01; c01, c11), how it was found, and,
    when any of its reports is timed, the firing time those imply there (else NaN): a sensor's arrival time
    less the sound's travel from this position. The covariance is kept as three floats: association reads
    it about once per candidate report, a million times at scale."""

    x: float
    y: float
    c00: float
    c01: float
    c11: float
    method: str
    n: int
    chi2: float
    fired: float = math.nan
    timed: int = 0
    fired_sigma: float = math.nan  # a bound on the firing time's standard error: the times' and the position's

    @property
    def cov(self) -> np.ndarray:
        """The covariance as a 2×2 array (a new one each time)."""
        return np.array([[self.c00, self.c01], [self.c01, self.c11]])


def method_name(points: int, rays: int, ranged: bool) -> str:
    if points and not rays:
        return "direct" if points == 1 else "mean"
    if rays >= 2 and not points:
        return "triangulation"
    if rays == 1 and not points:
        return "bearing+distance" if ranged else LINE_ONLY
    return "combined"


@dataclass
class BatchEstimate:
    x: np.ndarray
    y: np.ndarray
    cov: np.ndarray  # (G, 2, 2)
    chi2: np.ndarray
    n_points: np.ndarray
    n_rays: np.ndarray
    n_timed: np.ndarray  # timed rays: those with an arrival time
    fired: np.ndarray  # the firing time the timed rays imply at the estimate (NaN where none is timed)

    @property
    def dof(self) -> np.ndarray:
        """Degrees of freedom of each group's χ²: two residuals per measurement and one per timed report,
        less the two coordinates and, where reports are timed, the firing time."""
        return 2 * (self.n_points + self.n_rays) - 2 + np.maximum(self.n_timed - 1, 0)

    def estimates(self, ranged: list[bool]) -> list[Estimate]:
        """Per group, its `Estimate` (`ranged`: whether any of its rays gave a distance, which names a lone
        ray's method). Built column by column: indexing numpy arrays per group costs more than the values
        are worth."""
        fired_sigma = np.sqrt(ARRIVAL_SIGMA_S**2 + (self.cov[:, 0, 0] + self.cov[:, 1, 1]) / SPEED_OF_SOUND_M_S**2)
        cols = zip(self.x.tolist(), self.y.tolist(), self.cov[:, 0, 0].tolist(), self.cov[:, 0, 1].tolist(),
                   self.cov[:, 1, 1].tolist(), self.chi2.tolist(), self.n_points.tolist(), self.n_rays.tolist(),
                   self.fired.tolist(), self.n_timed.tolist(), fired_sigma.tolist(), ranged, strict=True)  # fmt: skip
        return [Estimate(x, y, c00, c01, c11, method_name(n_p, n_r, rg), n_p + n_r, chi2, fired, timed, fs)
                for x, y, c00, c01, c11, chi2, n_p, n_r, fired, timed, fs, rg in cols]  # fmt: skip


def _sum(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(group, weights=values, minlength=n)


def _residuals(m: MeasurementArrays, ex: np.ndarray, ey: np.ndarray):  # type: ignore[no-untyped-def]
    """Whitened residuals, up to two per measurement and one more per timed row, and their Jacobian rows:
    (r1, r2, r3, (∂r1/∂x, ∂r1/∂y), (∂r2/∂x, ∂r2/∂y), (∂r3/∂x, ∂r3/∂y)), each component an array; r3 and its
    Jacobian have one entry per timed row (`m.timed`)."""
    gx, gy = ex[m.group], ey[m.group]
    pt = m.kind == 0
    # points: whitened with the Cholesky factor of the inverse covariance, written out for 2x2
    l11 = np.sqrt(np.where(pt, m.iaa, 1.0))
    l21 = np.where(pt, m.iab / l11, 0.0)
    l22 = np.sqrt(np.maximum(np.where(pt, m.icc, 1.0) - l21 * l21, 1e-30))
    dx, dy = m.x - gx, m.y - gy
    # L = [[l11, 0], [l21, l22]], residual = L.T @ d
    p1 = l11 * dx + l21 * dy
    p2 = l22 * dy
    # rays: bearing residual and range-band residual
    rx, ry = gx - m.x, gy - m.y
    rho2 = np.maximum(rx * rx + ry * ry, 1.0)
    rho = np.sqrt(rho2)
    pred = np.arctan2(rx, ry)
    b = (m.theta - pred + np.pi) % (2 * np.pi) - np.pi
    b1 = b / m.sigma
    b2 = (rho - m.r_mid) / m.r_sigma
    r1 = np.where(pt, p1, b1)
    r2 = np.where(pt, p2, b2)
    j1 = (np.where(pt, -l11, -(ry / rho2) / m.sigma), np.where(pt, -l21, (rx / rho2) / m.sigma))
    j2 = (np.where(pt, 0.0, (rx / rho) / m.r_sigma), np.where(pt, -l22, (ry / rho) / m.r_sigma))
    r3, j3 = _timing(m, ex, ey)
    return r1, r2, r3, j1, j2, j3


_SECONDS_PER_METRE = 1.0 / SPEED_OF_SOUND_M_S


def _timing(m: MeasurementArrays, ex: np.ndarray, ey: np.ndarray):  # type: ignore[no-untyped-def]
    """Per timed row, the whitened residual of its implied firing time (arrival − distance / c) about its
    group's mean, and that residual's Jacobian: the unit vector from sensor to estimate over −c, centred
    likewise (the mean firing time moves with the position too)."""
    g, n = m.timed_group, len(ex)
    if not len(g):
        empty = np.zeros(0)
        return empty, (empty, empty)
    per = m.per_timed(n)
    rx, ry = ex[g] - m.timed_x, ey[g] - m.timed_y
    d = np.sqrt(np.maximum(rx * rx + ry * ry, 1.0))
    fired = m.timed_arrival - d * _SECONDS_PER_METRE
    r3 = fired - (_sum(g, fired, n) * per)[g]
    r3 *= 1.0 / ARRIVAL_SIGMA_S
    jscale = -1.0 / (ARRIVAL_SIGMA_S * SPEED_OF_SOUND_M_S)
    rx *= jscale / d  # the unit vector, scaled: the Jacobian before centring
    ry *= jscale / d
    rx -= (_sum(g, rx, n) * per)[g]
    ry -= (_sum(g, ry, n) * per)[g]
    return r3, (rx, ry)


def _huber(r: np.ndarray) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= HUBER_K, 1.0, HUBER_K / np.maximum(a, 1e-12))


def _normal(m: MeasurementArrays, n: int, r1, r2, r3, j1, j2, j3):  # type: ignore[no-untyped-def]
    w1, w2 = _huber(r1), _huber(r2)
    (a1, b1), (a2, b2) = j1, j2
    h11 = _sum(m.group, w1 * a1**2 + w2 * a2**2, n)
    h12 = _sum(m.group, w1 * a1 * b1 + w2 * a2 * b2, n)
    h22 = _sum(m.group, w1 * b1**2 + w2 * b2**2, n)
    g1 = _sum(m.group, w1 * a1 * r1 + w2 * a2 * r2, n)
    g2 = _sum(m.group, w1 * b1 * r1 + w2 * b2 * r2, n)
    cost = _sum(m.group, w1 * r1 * r1 + w2 * r2 * r2, n)
    if len(r3):
        w3, (a3, b3), g = _huber(r3), j3, m.timed_group
        wa, wb = w3 * a3, w3 * b3
        h11 += _sum(g, wa * a3, n)
        h12 += _sum(g, wa * b3, n)
        h22 += _sum(g, wb * b3, n)
        g1 += _sum(g, wa * r3, n)
        g2 += _sum(g, wb * r3, n)
        cost += _sum(g, w3 * r3 * r3, n)
    return h11, h12, h22, g1, g2, cost


def _start(m: MeasurementArrays, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form weighted least squares: points as weighted means, rays as lines plus their range band."""
    pt = m.kind == 0
    c, s = np.cos(m.theta), np.sin(m.theta)
    wl = np.where(pt, 0.0, 1.0 / np.maximum(m.r_mid * m.sigma, 1.0) ** 2)
    wr = np.where(pt, 0.0, 1.0 / m.r_sigma**2)
    # line normal n = (c, -s): wl * n n^T; band along u = (s, c): wr * u u^T
    a11 = np.where(pt, m.iaa, wl * c * c + wr * s * s)
    a12 = np.where(pt, m.iab, -wl * c * s + wr * s * c)
    a22 = np.where(pt, m.icc, wl * s * s + wr * c * c)
    nd = c * m.x - s * m.y
    ud = s * m.x + c * m.y + m.r_mid
    b1 = np.where(pt, m.iaa * m.x + m.iab * m.y, wl * c * nd + wr * s * ud)
    b2 = np.where(pt, m.iab * m.x + m.icc * m.y, -wl * s * nd + wr * c * ud)
    A11, A12, A22 = _sum(m.group, a11, n), _sum(m.group, a12, n), _sum(m.group, a22, n)
    B1, B2 = _sum(m.group, b1, n), _sum(m.group, b2, n)
    det = A11 * A22 - A12 * A12
    ok = np.abs(det) > 1e-30
    det = np.where(ok, det, 1.0)
    return np.where(ok, (A22 * B1 - A12 * B2) / det, 0.0), np.where(ok, (A11 * B2 - A12 * B1) / det, 0.0)


def _subset(m: MeasurementArrays, keep: np.ndarray, ids: np.ndarray) -> MeasurementArrays:
    """The rows of the groups kept, renumbered 0..len(ids)-1 in the order of ids."""
    rows = keep[m.group]
    renumber = np.full(len(keep), -1, dtype=np.int64)
    renumber[ids] = np.arange(len(ids))
    return m.take(rows, renumber[m.group[rows]])


BATCH_ROWS = 131_072  # rows solved at once: larger batches spend their time allocating and touching memory


def localize_batch(m: MeasurementArrays, n: int, iterations: int = 25) -> BatchEstimate:
    """Each group's maximum-likelihood position and covariance. Large inputs whose rows come group by group
    are solved in consecutive slices of whole groups; every group's result is the same either way."""
    if len(m) <= BATCH_ROWS or n < 2 or np.any(np.diff(m.group) < 0):
        return _localize(m, n, iterations)
    # slice boundaries: the first row of each group, cut roughly every BATCH_ROWS rows
    starts = np.searchsorted(m.group, np.arange(n + 1))
    cuts = np.searchsorted(starts, np.arange(BATCH_ROWS, len(m), BATCH_ROWS), side="right") - 1
    bounds = [0, *np.unique(cuts[cuts > 0]).tolist(), n]
    parts = []
    for g0, g1 in zip(bounds[:-1], bounds[1:], strict=True):
        rows = np.arange(starts[g0], starts[g1])
        parts.append(_localize(m.take(rows, m.group[rows] - g0), g1 - g0, iterations))
    return BatchEstimate(*(np.concatenate([getattr(e, f) for e in parts]) for f in BatchEstimate.__dataclass_fields__))


def _localize(m: MeasurementArrays, n: int, iterations: int) -> BatchEstimate:
    ex, ey = _start(m, n)
    lam = np.full(n, 1e-3)
    h11, h12, h22, g1, g2, cost = _normal(m, n, *_residuals(m, ex, ey))
    active = np.ones(n, dtype=bool)
    # most groups converge in a few iterations: once a quarter of those being iterated are done, the rest
    # go on with their own rows only (each group's sums are over its rows in the same order: same results;
    # copying the rows kept costs less than one more iteration over all of them)
    sub, ids = m, np.arange(n)
    for _ in range(iterations):
        if len(ids) > 64 and 4 * int(active[ids].sum()) < 3 * len(ids):
            ids = np.flatnonzero(active)
            sub = _subset(m, active, ids)
        k = len(ids)
        on, L = active[ids], lam[ids]
        H11, H12, H22, G1, G2, C = h11[ids], h12[ids], h22[ids], g1[ids], g2[ids], cost[ids]
        a11 = H11 + L * (H11 + 1e-9)
        a22 = H22 + L * (H22 + 1e-9)
        det = a11 * a22 - H12 * H12
        det = np.where(np.abs(det) > 1e-300, det, 1e-300)
        sx = -(a22 * G1 - H12 * G2) / det
        sy = -(a11 * G2 - H12 * G1) / det
        sx, sy = np.where(on, sx, 0.0), np.where(on, sy, 0.0)
        cx, cy = ex[ids] + sx, ey[ids] + sy
        n11, n12, n22, m1, m2, c2 = _normal(sub, k, *_residuals(sub, cx, cy))
        better = (c2 <= C) & on
        ex[ids], ey[ids] = np.where(better, cx, ex[ids]), np.where(better, cy, ey[ids])
        h11[ids], h12[ids] = np.where(better, n11, H11), np.where(better, n12, H12)
        h22[ids] = np.where(better, n22, H22)
        g1[ids], g2[ids], cost[ids] = np.where(better, m1, G1), np.where(better, m2, G2), np.where(better, c2, C)
        lam[ids] = np.where(better, np.maximum(L / 10, 1e-9), L * 10)
        # converged: an accepted step under a hundredth of the position's standard error (or under 1 cm);
        # a fixed 1 cm kept well-determined groups iterating long after their answer stopped changing
        det_h = np.maximum(H11 * H22 - H12 * H12, 1e-300)
        tiny = np.maximum(1e-4 * (H11 + H22) / det_h, 1e-4)
        active[ids] = on & ~(better & (sx * sx + sy * sy < tiny)) & (lam[ids] < 1e8)
        if not active.any():
            break
    det = h11 * h22 - h12 * h12
    good = det > 0
    det = np.where(good, det, 1.0)
    cov = np.empty((n, 2, 2))
    cov[:, 0, 0] = np.where(good, h22 / det, 1e10)
    cov[:, 1, 1] = np.where(good, h11 / det, 1e10)
    cov[:, 0, 1] = cov[:, 1, 0] = np.where(good, -h12 / det, 0.0)
    r1, r2, r3, *_ = _residuals(m, ex, ey)
    chi2 = _sum(m.group, r1 * r1 + r2 * r2, n) + _sum(m.timed_group, r3 * r3, n)
    n_points = np.bincount(m.group, weights=(m.kind == 0).astype(float), minlength=n).astype(int)
    n_rays = np.bincount(m.group, weights=(m.kind == 1).astype(float), minlength=n).astype(int)
    n_timed = np.bincount(m.timed_group, minlength=n)
    return BatchEstimate(ex, ey, cov, chi2, n_points, n_rays, n_timed, _fired(m, ex, ey, n_timed))


def _fired(m: MeasurementArrays, ex: np.ndarray, ey: np.ndarray, n_timed: np.ndarray) -> np.ndarray:
    """Per group, the mean firing time its timed rows imply at (ex, ey); NaN where none is timed."""
    g = m.timed_group
    d = np.hypot(ex[g] - m.timed_x, ey[g] - m.timed_y)
    fired = _sum(g, m.timed_arrival - d / SPEED_OF_SOUND_M_S, len(n_timed)) / np.maximum(n_timed, 1)
    return np.where(n_timed >= 1, fired, np.nan)


def normalized_residuals_batch(m: MeasurementArrays, ex: np.ndarray, ey: np.ndarray) -> np.ndarray:
    """Per measurement, how many sigmas it disagrees with its group's estimate (its time included)."""
    r1, r2, r3, *_ = _residuals(m, ex, ey)
    out = np.maximum(np.abs(r1), np.abs(r2))
    out[m.timed] = np.maximum(out[m.timed], np.abs(r3))
    return out


def chi2_limit(dof: np.ndarray) -> np.ndarray:
    """The χ² a group with these degrees of freedom stays under 999 times in 1000 when one position (and
    one firing time) explains all its measurements."""
    # the χ² quantile (`scipy.stats.chi2.ppf`, as it computes it: importing scipy.stats costs 0.4 s a command)
    return 2 * gammaincinv(np.maximum(dof, 1) / 2, 1.0 - GROUP_ALPHA)


def launch_gap(arrival: Any, rho: Any, ux: Any, uy: Any, fired: Any, timed: Any, caa: Any, cab: Any, cbb: Any
               ) -> tuple[Any, Any]:  # fmt: skip
    """A sensor rho metres from an estimate (unit vector ux, uy from the sensor), whose sound arrived at
    `arrival`: how far the firing time that implies is from the estimate's own (`fired`, from `timed`
    reports), and that gap's variance — the arrival's error, the mean's, and the estimate's error toward
    the sensor (covariance caa, cab, cbb) over c. Arithmetic only: floats or arrays alike (the greedy
    step's cost, `elsewhere`)."""
    toward = ux * ux * caa + 2 * ux * uy * cab + uy * uy * cbb
    gap = arrival - rho / SPEED_OF_SOUND_M_S - fired
    return gap, ARRIVAL_SIGMA_S**2 * (1 + 1 / timed) + toward / SPEED_OF_SOUND_M_S**2


def elsewhere(table: MeasurementArrays, rows: np.ndarray, est: BatchEstimate, of: np.ndarray) -> np.ndarray:
    """Per row, whether what its report says besides its bearing places it at another event than the one
    estimate `of[k]` (an index into `est`) locates: its sensor could not have sensed that position (beyond
    its reach), or the sound it heard was fired at another moment (its arrival time against the group's
    firing time, over `OUTLIER_SIGMAS` of their combined error). Such a report is no wild bearing of that
    event: whatever disagrees with a group for these reasons belongs to another one."""
    dx, dy = est.x[of] - table.x[rows], est.y[of] - table.y[rows]
    rho = np.maximum(np.hypot(dx, dy), 1.0)
    beyond = (table.kind[rows] == 1) & (rho > table.r_hi[rows] * 1.1)
    cov = est.cov[of]
    gap, var = launch_gap(table.arrival[rows], rho, dx / rho, dy / rho, est.fired[of], np.maximum(est.n_timed[of], 1),
                          cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1])  # fmt: skip  # gap NaN unless both are timed
    other_time = np.nan_to_num(gap * gap) > OUTLIER_SIGMAS**2 * var
    return beyond | other_time
