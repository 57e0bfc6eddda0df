"""One group's maximum-likelihood position, with the Fisher covariance: the batched solver (`batch`) applied
to a single group, so every estimate in fusion comes from one model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trucewatch.fusion.batch import localize_batch
from trucewatch.fusion.measure import Measurement
from trucewatch.fusion.table import arrays


@dataclass(slots=True)
class Estimate:
    x: float
    y: float
    cov: np.ndarray
    method: str
    n: int
    chi2: float


def method_name(points: int, rays: int, ranged: bool) -> str:
    if points and not rays:
        return "direct" if points == 1 else "mean"
    if rays >= 2 and not points:
        return "triangulation"
    if rays == 1 and not points:
        return "bearing+distance" if ranged else "bearing only"
    return "combined"


def localize(measurements: list[Measurement], iterations: int = 25) -> Estimate | None:
    """The position these measurements of one end of one event give, or None when there are none."""
    if not measurements:
        return None
    est = localize_batch(arrays(measurements, [0] * len(measurements)), 1, iterations)
    ranged = any(m.ray is not None and m.ray.ranged for m in measurements)
    (x, y, cov, chi2, n_p, n_r), *_ = est.rows()
    return Estimate(x, y, np.array(cov), method_name(n_p, n_r, ranged), n_p + n_r, chi2)
