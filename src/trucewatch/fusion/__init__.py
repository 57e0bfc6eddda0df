"""Fusion: group observations into incidents and estimate where each happened, with uncertainty."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from trucewatch.agreement.projection import Projector
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident
from trucewatch.domain.sensing import Sensing
from trucewatch.fusion.associate import Cluster
from trucewatch.fusion.coarse import attach
from trucewatch.fusion.collector import collector_paused
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.fusion.engine import cluster
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.incidents import build_all, sort_key
from trucewatch.fusion.measure import ObsView, prepare

__all__ = ["fuse", "group"]


def fuse(
    observations: Iterable[Observation] | ObservationColumns,
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
    sensing: Sensing | None = None,
) -> list[Incident]:
    """Observations (or their columns) in, incidents out, in a deterministic order whatever the order of the
    observations; `sensing` is how far the observers sense (`Agreement.sensing`). Pure: no I/O."""
    with collector_paused():
        _, clusters = group(observations, projector, place, sensing)
        incidents = sorted(build_all(clusters, projector), key=sort_key)
        give_back()
        return incidents


def group(
    observations: Iterable[Observation] | ObservationColumns,
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
    sensing: Sensing | None = None,
    seconds: dict[str, float] | None = None,
) -> tuple[list[ObsView], list[Cluster]]:
    """`fuse`'s grouping: every observation prepared once (its view) and placed in exactly one cluster, the
    clusters localised. `seconds`, when given, receives how long preparing and grouping took (the fusion
    benchmark's stages). Call with the cycle collector paused, as `fuse` does."""
    t0 = time.perf_counter()
    give_back()  # what came before (reading, parsing) freed
    views = prepare(observations, projector, place, sensing=sensing)
    give_back()
    t1 = time.perf_counter()
    clusters = cluster(views)
    give_back()
    coarse = [v for v in views if v.coarse or not v.measurements]
    clusters += attach([v for v in coarse if v.measurements], clusters)
    for v in coarse:
        if not v.measurements:
            c = Cluster()
            c.members.append(v)
            clusters.append(c)
    if seconds is not None:
        seconds["prepare"], seconds["grouping"] = t1 - t0, time.perf_counter() - t1
    return views, [c for c in clusters if c.members]
