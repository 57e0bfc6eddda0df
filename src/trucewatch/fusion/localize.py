"""One group's maximum-likelihood position, with the Fisher covariance: the batched solver (`batch`) applied
to a single group, so every estimate in fusion comes from one model."""

from __future__ import annotations

from trucewatch.fusion.batch import Estimate, localize_batch
from trucewatch.fusion.measure import Measurement
from trucewatch.fusion.table import arrays


def localize(measurements: list[Measurement], iterations: int = 25) -> Estimate | None:
    """The position these measurements of one end of one event give, or None when there are none."""
    if not measurements:
        return None
    est = localize_batch(arrays(measurements, [0] * len(measurements)), 1, iterations)
    (one,) = est.estimates([any(m.ray is not None and m.ray.ranged for m in measurements)])
    return one
