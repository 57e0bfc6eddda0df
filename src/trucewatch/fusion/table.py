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
    for k, m in enumerate(measurements):
        if m.point is not None:
            p = m.point
            x[k], y[k] = p.x, p.y
            a, b, c = p.cov[0, 0], p.cov[0, 1], p.cov[1, 1]
            det = a * c - b * b
            iaa[k], iab[k], icc[k] = c / det, -b / det, a / det
        else:
            r = m.ray
            assert r is not None
            kind[k] = 1
            x[k], y[k], theta[k], sigma[k], r_mid[k], r_sigma[k] = r.ox, r.oy, r.theta, r.sigma, r.r_mid, r.r_sigma
    return MeasurementArrays(np.asarray(groups, dtype=np.int64), kind, x, y, iaa, iab, icc, theta, sigma, r_mid,
                             r_sigma)  # fmt: skip
