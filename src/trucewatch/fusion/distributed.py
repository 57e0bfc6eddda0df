"""Fusion partitioned into time tiles with overlapping margins, run on Dask.

Each tile fuses its core period plus a margin on both sides and keeps the incidents whose first
observation falls in its core. Association depends only on nearby reports, so with a margin longer than
any association window the tiles agree with the single-process run; the seams are checked (each incident
near a boundary must come out the same from both neighbouring tiles) and, should they ever disagree,
fusion falls back to one process, so the answer is always identical to the single-process one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from trucewatch.agreement import load_agreement
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident
from trucewatch.fusion import fuse
from trucewatch.fusion.incidents import sort_key

TILE = timedelta(days=7)
MARGIN = timedelta(days=1)
log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _agreement(path: str):  # type: ignore[no-untyped-def]
    return load_agreement(path)


def fuse_tile(agreement_path: str, observations: list[Observation]) -> list[Incident]:
    ag = _agreement(agreement_path)
    return fuse(observations, ag.projector, ag.place, ag.sensing)


def _tiles(observations: list[Observation]) -> list[tuple[float, float]]:
    t0 = min(o.observed_at for o in observations)
    t1 = max(o.observed_at for o in observations)
    bounds = []
    start = t0
    while start <= t1:
        bounds.append((start.timestamp(), (start + TILE).timestamp()))
        start += TILE
    return bounds


def fuse_distributed(agreement_path: Path, observations: list[Observation], client) -> tuple[list[Incident], int]:  # type: ignore[no-untyped-def]
    """The same incidents as `fuse`, computed tile by tile on a Dask client; also the number of tiles used
    (0 when the seams disagreed and one process fused everything)."""
    if not observations:
        return [], 0
    tiles = _tiles(observations)
    margin = MARGIN.total_seconds()
    times = [o.observed_at.timestamp() for o in observations]
    futures = []
    for lo, hi in tiles:
        part = [o for o, t in zip(observations, times, strict=True) if lo - margin <= t < hi + margin]
        futures.append(client.submit(fuse_tile, str(agreement_path), part, pure=False))
    results: list[list[Incident]] = client.gather(futures)
    chosen: dict[str, Incident] = {}
    for (lo, hi), incidents in zip(tiles, results, strict=True):
        for inc in incidents:
            if lo <= inc.start.timestamp() < hi:
                chosen[inc.id] = inc
    # the seams: what a tile saw in its margin must match what its neighbour decided in its core
    for k in range(len(tiles) - 1):
        edge = tiles[k][1]
        left = {i.id for i in results[k] if edge - margin / 2 <= i.start.timestamp() < edge + margin / 2}
        right = {i.id for i in results[k + 1] if edge - margin / 2 <= i.start.timestamp() < edge + margin / 2}
        if left != right:
            log.warning("tiles disagree at a seam; fusing in one process instead")
            return fuse_tile(str(agreement_path), observations), 0
    return sorted(chosen.values(), key=sort_key), len(tiles)
