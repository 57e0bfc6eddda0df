"""Fusion: group observations into incidents and estimate where each happened, with uncertainty."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import SourceKind
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident
from trucewatch.fusion.associate import Cluster
from trucewatch.fusion.coarse import attach
from trucewatch.fusion.collector import collector_paused
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.fusion.engine import cluster
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.incidents import build_all, sort_key
from trucewatch.fusion.measure import prepare

__all__ = ["fuse"]


def fuse(
    observations: Iterable[Observation] | ObservationColumns,
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
    sensing: Mapping[SourceKind, float] | None = None,
) -> list[Incident]:
    """Observations (or their columns) in, incidents out, in a deterministic order whatever the order of the
    observations; `sensing` is how far each kind of observer senses (`Agreement.sensing_range`). Pure: no
    I/O."""
    with collector_paused():
        give_back()  # what came before (reading, parsing) freed
        views = prepare(observations, projector, place, sensing=sensing)
        give_back()
        clusters = cluster(views)
        give_back()
        coarse = [v for v in views if v.coarse or not v.measurements]
        clusters += attach([v for v in coarse if v.measurements], clusters)
        for v in coarse:
            if not v.measurements:
                c = Cluster()
                c.members.append(v)
                clusters.append(c)
        incidents = sorted(build_all([c for c in clusters if c.members], projector), key=sort_key)
        give_back()
        return incidents
