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


@dataclass
class Estimate:
    x: float
    y: float
    cov: np.ndarray
    method: str
    n: int
    chi2: float


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


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


def _residuals(m: np.ndarray, points: list[Point], rays: list[Ray]) -> tuple[np.ndarray, np.ndarray]:
    """Whitened residuals and their Jacobian at m."""
    res: list[float] = []
    jac: list[list[float]] = []
    for p in points:
        L = np.linalg.cholesky(np.linalg.inv(p.cov))  # whitening: L.T @ (z - m)
        d = np.array([p.x, p.y]) - m
        r2 = L.T @ d
        J2 = -L.T
        res += list(r2)
        jac += J2.tolist()
    for r in rays:
        dx, dy = m[0] - r.ox, m[1] - r.oy
        rho2 = max(dx * dx + dy * dy, 1.0)
        rho = math.sqrt(rho2)
        pred = math.atan2(dx, dy)
        res.append(_wrap(r.theta - pred) / r.sigma)
        jac.append([-(dy / rho2) / r.sigma, (dx / rho2) / r.sigma])
        # the range band as a Gaussian (uniform band's sigma); for an unranged ray it is the weapon's
        # reach, so weak that triangulation barely feels it, but it keeps a lone ray's estimate honest
        res.append((rho - r.r_mid) / r.r_sigma)
        jac.append([(dx / rho) / r.r_sigma, (dy / rho) / r.r_sigma])
    return np.array(res), np.array(jac)


def localize(measurements: list[Measurement], iterations: int = 20) -> Estimate | None:
    points = [m.point for m in measurements if m.point is not None]
    rays = [m.ray for m in measurements if m.ray is not None]
    if not points and not rays:
        return None
    m = _start(points, rays)
    lam = 1e-3
    res, J = _residuals(m, points, rays)
    w = _huber(res)
    cost = float(np.sum(w * res**2))
    for _ in range(iterations):
        JW = J * w[:, None]
        H = J.T @ JW
        g = JW.T @ res
        step = np.linalg.solve(H + lam * np.diag(np.diag(H) + 1e-9), -g)
        cand = m + step
        r2, J2 = _residuals(cand, points, rays)
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


def normalized_residuals(measurements: list[Measurement], x: float, y: float) -> list[float]:
    """Per measurement, the largest whitened residual at (x, y): how many sigmas it disagrees by."""
    m = np.array([x, y])
    out = []
    for meas in measurements:
        pts = [meas.point] if meas.point is not None else []
        rays = [meas.ray] if meas.ray is not None else []
        res, _ = _residuals(m, pts, rays)  # type: ignore[arg-type]
        out.append(float(np.max(np.abs(res))) if len(res) else 0.0)
    return out
