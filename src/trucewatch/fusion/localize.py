"""Maximum-likelihood position from points, bearings and range bands, with the Fisher covariance.

A closed-form least-squares start (rays as lines, points as weighted means), then damped Gauss–Newton
(Levenberg–Marquardt) with Huber weights so one wild bearing cannot drag the estimate. The covariance is
the inverse Fisher information at the estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trucewatch.fusion.measure import Measurement, Point, Ray

HUBER_K = 2.5


@dataclass(slots=True)
class Estimate:
    x: float
    y: float
    cov: np.ndarray
    method: str
    n: int
    chi2: float


def _start(points: list[Point], rays: list[Ray]) -> np.ndarray:
    A = np.zeros((2, 2))
    b = np.zeros(2)
    for p in points:
        w = np.linalg.inv(p.cov)
        A += w
        b += w @ np.array([p.x, p.y])
    for r in rays:
        n = np.array([math.cos(r.theta), -math.sin(r.theta)])  # normal to the ray's direction
        w = 1.0 / max(r.r_mid * r.sigma, 1.0) ** 2
        A += w * np.outer(n, n)
        b += w * n * (n @ np.array([r.ox, r.oy]))
        u = np.array([math.sin(r.theta), math.cos(r.theta)])
        wr = 1.0 / r.r_sigma**2
        A += wr * np.outer(u, u)
        b += wr * u * (u @ np.array([r.ox, r.oy]) + r.r_mid)
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return np.array(points[0].x if points else rays[0].point(rays[0].r_mid)[0],
                        points[0].y if points else rays[0].point(rays[0].r_mid)[1])  # fmt: skip


class _Model:
    """The measurements as arrays, with each point's whitening factor computed once (not per iteration)."""

    def __init__(self, points: list[Point], rays: list[Ray]) -> None:
        self.n_points, self.n_rays = len(points), len(rays)
        if points:
            self.xy = np.array([[p.x, p.y] for p in points])
            # whitening: L.T @ (z - m), with L the Cholesky factor of the inverse covariance
            self.lt = np.linalg.cholesky(np.linalg.inv(np.array([p.cov for p in points]))).transpose(0, 2, 1)
        if rays:
            cols = np.array([(r.ox, r.oy, r.theta, r.sigma, r.r_mid, r.r_sigma) for r in rays])
            self.ox, self.oy, self.theta, self.sigma, self.r_mid, self.r_sigma = cols.T

    def residuals(self, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whitened residuals and their Jacobian at m: two per point, then a bearing and a range residual
        per ray."""
        res, jac = [], []
        if self.n_points:
            res.append(np.einsum("kij,kj->ki", self.lt, self.xy - m).ravel())
            jac.append((-self.lt).reshape(-1, 2))
        if self.n_rays:
            dx, dy = m[0] - self.ox, m[1] - self.oy
            rho2 = np.maximum(dx * dx + dy * dy, 1.0)
            rho = np.sqrt(rho2)
            bearing = ((self.theta - np.arctan2(dx, dy) + np.pi) % (2 * np.pi) - np.pi) / self.sigma
            # the range band as a Gaussian (uniform band's sigma); for an unranged ray it is the weapon's
            # reach, so weak that triangulation barely feels it, but it keeps a lone ray's estimate honest
            ranged = (rho - self.r_mid) / self.r_sigma
            res.append(np.column_stack([bearing, ranged]).ravel())
            jb = np.column_stack([-(dy / rho2) / self.sigma, (dx / rho2) / self.sigma])
            jr = np.column_stack([(dx / rho) / self.r_sigma, (dy / rho) / self.r_sigma])
            jac.append(np.stack([jb, jr], axis=1).reshape(-1, 2))
        return np.concatenate(res), np.concatenate(jac)


def localize(measurements: list[Measurement], iterations: int = 20) -> Estimate | None:
    points = [m.point for m in measurements if m.point is not None]
    rays = [m.ray for m in measurements if m.ray is not None]
    if not points and not rays:
        return None
    m = _start(points, rays)
    model = _Model(points, rays)
    lam = 1e-3
    res, J = model.residuals(m)
    w = _huber(res)
    cost = float(np.sum(w * res**2))
    for _ in range(iterations):
        JW = J * w[:, None]
        H = J.T @ JW
        g = JW.T @ res
        step = np.linalg.solve(H + lam * np.diag(np.diag(H) + 1e-9), -g)
        cand = m + step
        r2, J2 = model.residuals(cand)
        w2 = _huber(r2)
        c2 = float(np.sum(w2 * r2**2))
        if c2 <= cost:
            m, res, J, w, cost = cand, r2, J2, w2, c2
            lam = max(lam / 10, 1e-9)
            if np.linalg.norm(step) < 0.01:
                break
        else:
            lam *= 10
            if lam > 1e8:
                break
    H = J.T @ (J * w[:, None])
    try:
        cov = np.linalg.inv(H)
        if not np.all(np.isfinite(cov)) or np.linalg.eigvalsh(cov).min() <= 0:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.eye(2) * 1e10
    bearings = len(rays)
    if points and not rays:
        method = "direct" if len(points) == 1 else "mean"
    elif bearings >= 2 and not points:
        method = "triangulation"
    elif bearings == 1 and not points:
        method = "bearing+distance" if rays[0].ranged else "bearing only"
    else:
        method = "combined"
    return Estimate(float(m[0]), float(m[1]), cov, method, len(points) + len(rays), float(np.sum(res**2)))


def _huber(res: np.ndarray) -> np.ndarray:
    a = np.abs(res)
    return np.where(a <= HUBER_K, 1.0, HUBER_K / np.maximum(a, 1e-12))
