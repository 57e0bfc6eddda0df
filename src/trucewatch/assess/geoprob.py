"""Probability that an uncertain position lies inside a zone, integrating its Gaussian uncertainty.

Exact (0 or 1) when the ellipse's 5-sigma reach is clear of the zone's boundary; otherwise averaged over
a fixed scrambled-Sobol sample of the normal distribution, so the same input always gives the same
answer (results must be reproducible across runs and machines).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from scipy.stats import norm, qmc
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

SAMPLES = 1024
CLEAR_SIGMAS = 5.0


@lru_cache(maxsize=1)
def _unit_normal() -> np.ndarray:
    u = qmc.Sobol(d=2, scramble=True, seed=20261201).random(SAMPLES)
    return norm.ppf(np.clip(u, 1e-9, 1 - 1e-9))


def sample_points(x: float, y: float, cov: np.ndarray) -> np.ndarray:
    try:
        L = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(cov)
        L = V @ np.diag(np.sqrt(np.clip(w, 0, None)))
    return _unit_normal() @ L.T + np.array([x, y])


def probability_inside(x: float, y: float, cov: np.ndarray, zone: BaseGeometry | None) -> float:
    if zone is None or zone.is_empty:
        return 0.0
    sigma = float(np.sqrt(max(np.linalg.eigvalsh(cov).max(), 0.0)))
    pt = Point(x, y)
    if zone.boundary.distance(pt) > CLEAR_SIGMAS * sigma:
        return 1.0 if zone.contains(pt) else 0.0
    pts = sample_points(x, y, cov)
    shapely.prepare(zone)
    return float(np.mean(shapely.contains_xy(zone, pts[:, 0], pts[:, 1])))


def party_probabilities(x: float, y: float, cov: np.ndarray, areas: dict[str, BaseGeometry]) -> dict[str, float]:
    """P(position in each party's area of control); the rest (outside all areas) under 'outside'."""
    probs = {pid: round(probability_inside(x, y, cov, g), 4) for pid, g in sorted(areas.items())}
    rest = max(0.0, 1.0 - sum(probs.values()))
    if rest > 1e-4:
        probs["outside"] = round(rest, 4)
    return probs
