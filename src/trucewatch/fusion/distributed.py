"""Fusion partitioned into space-time tiles with overlapping margins, run on Dask.

A tile is a period (`Tiling.period`) of a strip across the front (`Tiling.strip_m`, cut along the longer
side of where the reports lie). Each fuses its core plus margins on every side and keeps the incidents
homed in its core: those that start in its period and whose anchor — the place of their first
observation (a report's own position, else its observer's, else its named place) — lies in its strip.
Association depends only on reports near each other in time and space, so with margins longer than any
association window and any weapon's reach, the tiles agree with the single-process run. That is checked,
not assumed: at every seam, the incidents homed within half a margin of the edge must come out the same,
field for field, from both tiles; and every observation of a kept incident must lie within half a margin
of its tile's core. Should either check fail, fusion falls back to one process, so the answer is always
the single-process one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from trucewatch.agreement.model import Agreement, place_in
from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import SIGHTING_RANGE_M, WEAPON_RANGE_M
from trucewatch.domain.results import Incident
from trucewatch.domain.sensing import Sensing
from trucewatch.fusion import fuse
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.fusion.incidents import sort_key

log = logging.getLogger(__name__)

# Space margins: twice the farthest an observation and the event it reports can lie apart (a weapon's
# reach from origin to impact, a sensor's reach along its bearing), so that half a margin still holds it.
_FARTHEST_M = max(max(WEAPON_RANGE_M.values()), max(SIGHTING_RANGE_M.values()))


@dataclass(frozen=True)
class Tiling:
    """`period`: a tile's span in time; None sizes it to the data, whole days long (at least `shortest`),
    so that a tile holds about `observations_per_tile` reports: fusion solves its groups in batches, and a
    small tile pays each batch's fixed cost for few reports (`benchmarks/fusion_dask.py` at 100k on two
    workers: 5.3 s with week-long tiles, 2.6 s with these, 1.6 s in one process)."""

    period: timedelta | None = None
    observations_per_tile: int = 10_000
    shortest: timedelta = timedelta(days=7)
    margin: timedelta = timedelta(days=1)
    strip_m: float = 4 * _FARTHEST_M
    strip_margin_m: float = 2 * _FARTHEST_M

    def period_for(self, n: int, seconds: float, strips: int) -> float:
        """The period (s) for n reports over this many seconds, in this many strips."""
        if self.period is not None:
            return self.period.total_seconds()
        day = 86_400.0
        sized = seconds * self.observations_per_tile * strips / max(n, 1)
        return max(self.shortest.total_seconds(), math.ceil(sized / day) * day)


@dataclass(frozen=True)
class Frame:
    """What fusion reads of the agreement — its projection, its gazetteer, its observers' reach — sent with
    each tile, so that a worker on another machine needs no copy of the agreement's files."""

    projector: Projector
    places: dict[str, tuple[float, float]]
    sensing: Sensing

    @classmethod
    def of(cls, ag: Agreement) -> Frame:
        return cls(ag.projector, dict(ag.places), ag.sensing)

    def place(self, name: str) -> tuple[float, float] | None:
        return place_in(self.places, name)


def fuse_tile(frame: Frame, columns: ObservationColumns) -> list[Incident]:
    return fuse(columns, frame.projector, frame.place, frame.sensing)


def anchors(columns: ObservationColumns, ag: Agreement) -> tuple[np.ndarray, np.ndarray]:
    """Each report's place in metres: its own position, else its observer's, else its named place; NaN
    where it has none."""
    f = columns.floats()
    own = ~np.isnan(f["lat"])
    lon = np.where(own, f["lon"], f["observer_lon"])
    lat = np.where(own, f["lat"], f["observer_lat"])
    for k in np.flatnonzero(np.isnan(lat)).tolist():
        name = columns.reports[k].place
        point = ag.place(name) if name else None
        if point is not None:
            lon[k], lat[k] = point
    x, y = np.full(len(lon), math.nan), np.full(len(lon), math.nan)
    known = ~np.isnan(lat)
    if known.any():
        x[known], y[known] = ag.projector.to_xy(lon[known], lat[known])
    return x, y


@dataclass(frozen=True)
class _Tile:
    period: int
    strip: int
    t0: float  # the core: [t0, t1) × [s0, s1)
    t1: float
    s0: float
    s1: float


class _Grid:
    """The tiles over these reports: periods from the first report's time, strips along the longer side."""

    def __init__(self, t: np.ndarray, x: np.ndarray, y: np.ndarray, tiling: Tiling) -> None:
        self.tiling, self.t = tiling, t
        placed = ~np.isnan(x)
        wide = placed.any() and np.ptp(x[placed]) >= np.ptp(y[placed])
        self.s = x if wide or not placed.any() else y  # the coordinate across the strips
        self.s_min = float(np.nanmin(self.s)) if placed.any() else 0.0
        span = float(np.nanmax(self.s)) - self.s_min if placed.any() else 0.0
        self.strips = max(1, math.ceil(span / tiling.strip_m)) if span > 0 else 1
        self.t_min = float(t.min())
        self.period = tiling.period_for(len(t), float(t.max()) - self.t_min, self.strips)
        self.periods = int((float(t.max()) - self.t_min) // self.period) + 1
        self.tm, self.sm = tiling.margin.total_seconds(), tiling.strip_margin_m

    def tile(self, i: int, j: int) -> _Tile:
        t0 = self.t_min + i * self.period
        s0 = self.s_min + j * self.tiling.strip_m
        s1 = math.inf if j == self.strips - 1 else s0 + self.tiling.strip_m
        return _Tile(i, j, t0, t0 + self.period, -math.inf if j == 0 else s0, s1)

    def tiles(self) -> Iterator[_Tile]:
        for i in range(self.periods):
            for j in range(self.strips):
                yield self.tile(i, j)

    def members(self, tile: _Tile) -> np.ndarray:
        """The reports a tile fuses: its core and margins (reports with no place go to the first strip)."""
        in_time = (self.t >= tile.t0 - self.tm) & (self.t < tile.t1 + self.tm)
        near = (self.s >= tile.s0 - self.sm) & (self.s < tile.s1 + self.sm)
        return np.flatnonzero(in_time & (near | (np.isnan(self.s) & (tile.strip == 0))))


def _home(inc: Incident, anchor: dict[str, float]) -> tuple[float, float]:
    """An incident's time and anchor (NaN: no place, homed in the first strip)."""
    return inc.start.timestamp(), anchor[inc.observation_ids[0]]


def _in_strip(tile: _Tile, s: float, pad: float = 0.0) -> bool:
    return (tile.strip == 0) if math.isnan(s) else tile.s0 - pad <= s < tile.s1 + pad


def _in(tile: _Tile, t: float, s: float, pad_t: float = 0.0, pad_s: float = 0.0) -> bool:
    return tile.t0 - pad_t <= t < tile.t1 + pad_t and _in_strip(tile, s, pad_s)


def _seams_agree(grid: _Grid, results: dict[tuple[int, int], list[Incident]], anchor: dict[str, float]) -> bool:
    """Neighbouring tiles decide alike what is homed within half a margin of their shared edge."""
    half_t, half_s = grid.tm / 2, grid.sm / 2

    def near(incs: list[Incident], keep) -> dict[str, Incident]:  # type: ignore[no-untyped-def]
        return {i.id: i for i in incs if keep(*_home(i, anchor))}

    for tile in grid.tiles():
        here = results.get((tile.period, tile.strip), [])
        if tile.period + 1 < grid.periods:  # the next period, same strip
            edge = tile.t1

            def by_time(t: float, s: float, tile: _Tile = tile, edge: float = edge) -> bool:
                return abs(t - edge) < half_t and _in_strip(tile, s)

            there = results.get((tile.period + 1, tile.strip), [])
            if near(here, by_time) != near(there, by_time):
                return False
        if tile.strip + 1 < grid.strips:  # the next strip, same period
            edge = tile.s1

            def by_place(t: float, s: float, tile: _Tile = tile, edge: float = edge) -> bool:
                return not math.isnan(s) and abs(s - edge) < half_s and tile.t0 <= t < tile.t1

            there = results.get((tile.period, tile.strip + 1), [])
            if near(here, by_place) != near(there, by_place):
                return False
    return True


def fuse_distributed(  # type: ignore[no-untyped-def]
    ag: Agreement, columns: ObservationColumns, client, tiling: Tiling | None = None
) -> tuple[list[Incident], int]:
    """The same incidents as `fuse`, computed tile by tile on a Dask client; also the number of tiles used
    (0 when a check failed and one process fused everything)."""
    if not len(columns):
        return [], 0
    tiling = tiling or Tiling()
    frame = Frame.of(ag)
    x, y = anchors(columns, ag)
    grid = _Grid(columns.floats()["t"], x, y, tiling)
    tiles = {(tile.period, tile.strip): (tile, grid.members(tile)) for tile in grid.tiles()}
    tiles = {k: v for k, v in tiles.items() if len(v[1])}
    futures = {k: client.submit(fuse_tile, frame, columns.take(rows), pure=False)
               for k, (_, rows) in tiles.items()}  # fmt: skip
    gathered = client.gather(list(futures.values()))
    results: dict[tuple[int, int], list[Incident]] = dict(zip(futures, gathered, strict=True))
    anchor = dict(zip((r.id for r in columns.reports), grid.s.tolist(), strict=True))
    time_of = dict(zip((r.id for r in columns.reports), grid.t.tolist(), strict=True))
    chosen: dict[str, Incident] = {}
    held = True
    for key, (tile, _) in tiles.items():
        for inc in results[key]:
            if _in(tile, *_home(inc, anchor)):
                chosen[inc.id] = inc
                # every observation of a kept incident within half a margin of the core
                held = held and all(_in(tile, time_of[o], anchor[o], grid.tm / 2, grid.sm / 2)
                                    for o in inc.observation_ids)  # fmt: skip
    if not held or not _seams_agree(grid, results, anchor):
        log.warning("tiles disagree at a seam or reach past their margins; fusing in one process instead")
        return fuse_tile(frame, columns), 0
    return sorted(chosen.values(), key=sort_key), len(tiles)
