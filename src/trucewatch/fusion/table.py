"""Observations' measurements as arrays, for the vectorised steps of fusion."""

from __future__ import annotations

import numpy as np

from trucewatch.domain.enums import Aspect
from trucewatch.fusion.batch import MeasurementArrays
from trucewatch.fusion.measure import Measurement

ASPECT_CODE = {Aspect.ORIGIN: 0, Aspect.IMPACT: 1, Aspect.SITE: 2}


def arrays(measurements: list[Measurement], groups: list[int]) -> MeasurementArrays:
    """Measurement objects into arrays, each tagged with its group number."""
    n = len(measurements)
    kind = np.zeros(n, dtype=np.int8)
    x, y = np.zeros(n), np.zeros(n)
    iaa, iab, icc = np.ones(n), np.zeros(n), np.ones(n)
    theta, sigma, r_mid, r_sigma = np.zeros(n), np.ones(n), np.ones(n), np.ones(n)
    pts = [(k, m.point) for k, m in enumerate(measurements) if m.point is not None]
    rays = [(k, m.ray) for k, m in enumerate(measurements) if m.ray is not None]
    if pts:
        at = np.array([k for k, _ in pts])
        x[at] = [p.x for _, p in pts]
        y[at] = [p.y for _, p in pts]
        cov = np.array([p.cov for _, p in pts])
        a, b, c = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 1]
        det = a * c - b * b
        iaa[at], iab[at], icc[at] = c / det, -b / det, a / det
    if rays:
        at = np.array([k for k, _ in rays])
        kind[at] = 1
        cols = np.array([(r.ox, r.oy, r.theta, r.sigma, r.r_mid, r.r_sigma) for _, r in rays]).T
        x[at], y[at], theta[at], sigma[at], r_mid[at], r_sigma[at] = cols
    return MeasurementArrays(np.asarray(groups, dtype=np.int64), kind, x, y, iaa, iab, icc, theta, sigma, r_mid,
                             r_sigma)  # fmt: skip
