"""Observations' measurements as arrays, for the vectorised steps of fusion."""

from __future__ import annotations

from itertools import chain

import numpy as np

from trucewatch.domain.enums import Aspect
from trucewatch.fusion.batch import MeasurementArrays
from trucewatch.fusion.measure import Measurement

ASPECT_CODE = {Aspect.ORIGIN: 0, Aspect.IMPACT: 1, Aspect.SITE: 2}


def arrays(measurements: list[Measurement], groups: list[int]) -> MeasurementArrays:
    """Measurement objects into arrays, each tagged with its group number (one row per measurement,
    each row computed once per measurement and kept)."""
    n = len(measurements)
    rows = np.fromiter(chain.from_iterable(m.row() for m in measurements), dtype=float, count=12 * n).reshape(n, 12)
    kind, x, y, iaa, iab, icc, theta, sigma, r_mid, r_sigma, arrival, r_hi = rows.T
    return MeasurementArrays(np.asarray(groups, dtype=np.int64), kind.astype(np.int8), x, y, iaa, iab, icc, theta,
                             sigma, r_mid, r_sigma, arrival, r_hi)  # fmt: skip
