"""Where a report or a cluster can be met: a disc holding every place from which `cost` measures them (its
estimates and its bearings' observers, a report's rough places and observers), and the largest spread of
those places. Two whose discs lie farther apart than the farthest any gate reaches cannot be joined, so
the post-passes need not compute their cost: along a front of many sectors, most clusters in a report's
time window are in another sector."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from trucewatch.fusion.measure import CHI2_2D, ObsView

if TYPE_CHECKING:
    from trucewatch.fusion.associate import Cluster

Footprint = tuple[float, float, float, float]  # centre x, y; radius; largest trace of a place's covariance


def disc(places: list[tuple[float, float]], spread: float) -> Footprint:
    if not places or not all(math.isfinite(x) and math.isfinite(y) for x, y in places):
        return (0.0, 0.0, math.inf, spread)  # nothing (sure) to measure from: never ruled out by place
    cx = sum(x for x, _ in places) / len(places)
    cy = sum(y for _, y in places) / len(places)
    return (cx, cy, max(math.hypot(x - cx, y - cy) for x, y in places), spread)


def of_view(v: ObsView) -> Footprint:
    places, spread = [], 0.0
    for m in v.measurements:
        p = m.rough()
        places.append((p.x, p.y))
        spread = max(spread, p.c00 + p.c11)
        if m.ray is not None:
            places.append((m.ray.ox, m.ray.oy))
    return disc(places, spread)


def of_cluster(c: Cluster) -> Footprint:
    """Its estimates (located or not: the cross-aspect check reads any other aspect's) and every member's
    bearing observers (a lone bearing's cluster is checked against its rays)."""
    places = [(e.x, e.y) for e in c.estimates.values() if e is not None]
    spread = max((e.c00 + e.c11 for e in c.estimates.values() if e is not None and e.c00 < 1e9), default=0.0)
    places += [(m.ray.ox, m.ray.oy) for v in c.members for m in v.measurements if m.ray is not None]
    return disc(places, spread)


def gate(reach: float, spread: np.ndarray | float) -> np.ndarray | float:
    # a place's spread widens the Mahalanobis gate; margins for rounding
    return np.maximum(reach, np.sqrt(CHI2_2D * spread)) * 1.0001 + 1.0


def may_meet(a: Footprint, b: Footprint, reach: float) -> bool:
    """Whether some place of a and some place of b lie within `reach` of each other, or of their spreads'
    gate: a lower bound on their distance is the centres' distance less both radii."""
    return math.hypot(a[0] - b[0], a[1] - b[1]) - a[2] - b[2] <= float(gate(reach, a[3] + b[3]))


def may_meet_many(a: Footprint, b: np.ndarray, reach: float) -> np.ndarray:
    """`may_meet` of a against many footprints (rows of b)."""
    return may_meet_pairs(np.asarray(a, dtype=float)[None, :], b, reach)


def may_meet_pairs(a: np.ndarray, b: np.ndarray, reach: float) -> np.ndarray:
    """`may_meet` of each row of a against the same row of b."""
    return np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) - b[:, 2] - a[:, 2] <= gate(reach, a[:, 3] + b[:, 3])


class Feet:
    """The footprints of a list of clusters, each measured when first asked and again after `grew` (the
    post-passes add members as they go; estimates are refit only after them)."""

    def __init__(self, clusters: list[Cluster]) -> None:
        self.clusters = clusters
        self._rows = np.zeros((len(clusters), 4))
        self._known = np.zeros(len(clusters), dtype=bool)

    def grew(self, k: int) -> None:
        self._known[k] = False

    def many(self, ks: np.ndarray) -> np.ndarray:
        """The footprints (rows) of the clusters at these indices."""
        for k in ks[~self._known[ks]].tolist():
            self._rows[k] = of_cluster(self.clusters[k])
            self._known[k] = True
        return self._rows[ks]

    def of(self, k: int) -> Footprint:
        row = self.many(np.array([k]))[0]
        return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
