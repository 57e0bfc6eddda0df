"""Observations' measurements as arrays, for the vectorised steps of fusion."""

from __future__ import annotations

from itertools import chain

import numpy as np

from trucewatch.domain.enums import Aspect
from trucewatch.fusion.batch import MeasurementArrays
from trucewatch.fusion.measure import ROW_WIDTH, Measurement

ASPECT_CODE = {Aspect.ORIGIN: 0, Aspect.IMPACT: 1, Aspect.SITE: 2}


def arrays(measurements: list[Measurement], groups: list[int]) -> MeasurementArrays:
    """Measurement objects into arrays, each tagged with its group number: their rows gathered from the
    table `prepare` filled, or computed one by one for measurements made otherwise."""
    n = len(measurements)
    held = measurements[0].rows if n else None
    at = np.fromiter((m.at if m.rows is held else -1 for m in measurements), dtype=np.int64, count=n)
    if held is not None and (at >= 0).all():  # all from one `prepare`: gathered from its table
        rows = held.table[at]
    else:
        rows = np.fromiter(chain.from_iterable(m.row() for m in measurements), dtype=float, count=ROW_WIDTH * n)
        rows = rows.reshape(n, ROW_WIDTH)
    kind, x, y, iaa, iab, icc, theta, sigma, r_mid, r_sigma, arrival, r_hi = rows.T
    return MeasurementArrays(np.asarray(groups, dtype=np.int64), kind.astype(np.int8), x, y, iaa, iab, icc, theta,
                             sigma, r_mid, r_sigma, arrival, r_hi)  # fmt: skip
