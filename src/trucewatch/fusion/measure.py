"""Observations as measurements in local metres: direct points, and bearing rays with range bands."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import (
    DEFAULT_ASPECT,
    SPEED_OF_SOUND_M_S,
    WEAPON_RANGE_M,
    Aspect,
    SourceKind,
    TimePrecision,
    WeaponClass,
)
from trucewatch.domain.observation import Observation
from trucewatch.domain.sensing import Sensing
from trucewatch.fusion.columns import (
    ASPECTS,
    NO_ASPECT,
    OBSERVATION_TYPES,
    SOURCE_KINDS,
    TIME_PRECISIONS,
    WEAPON_CLASSES,
    ObservationColumns,
    Report,
)  # fmt: skip

# How far (seconds) an observation's stated time may be from the event, by source: sensors are exact,
# people round, complaints and open sources are vague. The time precision widens it further.
TIME_TOLERANCE_S = {
    SourceKind.ACOUSTIC_SENSOR: 5.0,
    SourceKind.FIXED_CAMERA: 10.0,
    SourceKind.DRONE: 30.0,
    SourceKind.MONITOR_PATROL: 90.0,
    SourceKind.SATELLITE: 3 * 3600.0,
    SourceKind.PARTY_COMPLAINT: 20 * 60.0,
    SourceKind.OPEN_SOURCE: 3600.0,
}
# the whole tolerance (s) of a report of this kind stated to this precision
TAU_S = {(k, p): TIME_TOLERANCE_S[k] + p.seconds / 2.0 for k in TIME_TOLERANCE_S for p in TimePrecision}
# Default 1-sigma position error (m) of a stated location when the report gives none.
DEFAULT_POSITION_SIGMA_M = {
    SourceKind.ACOUSTIC_SENSOR: 200.0,
    SourceKind.FIXED_CAMERA: 150.0,
    SourceKind.DRONE: 30.0,
    SourceKind.MONITOR_PATROL: 200.0,
    SourceKind.SATELLITE: 400.0,
    SourceKind.PARTY_COMPLAINT: 700.0,
    SourceKind.OPEN_SOURCE: 2000.0,
}
HUMAN_SOURCES = {SourceKind.MONITOR_PATROL, SourceKind.PARTY_COMPLAINT, SourceKind.OPEN_SOURCE}
# Sound ranging: an acoustic sensor reports when the sound of a launch reached it. Stated to the second, the
# time is a measurement (arrival = firing time + distance / speed of sound); stated coarser it is not. Its
# error is the clock's (GPS-timed sensors, the onset picked to tens of milliseconds) and the rounding to
# the second (uniform over a second: 1/√12 s). Truncating instead of rounding shifts every report of a
# group alike, which the unknown firing time absorbs.
ARRIVAL_CLOCK_SIGMA_S = 0.05
ARRIVAL_SIGMA_S = math.sqrt(ARRIVAL_CLOCK_SIGMA_S**2 + TimePrecision.SECOND.seconds**2 / 12.0)
GEO_PRECISION_SIGMA_M = {1: 2000.0, 2: 10_000.0, 3: 50_000.0}
MIN_RANGE_M = 50.0


@dataclass(slots=True)
class Point:
    """A position with its covariance (c00, c01; c01, c11), kept as floats: association reads it for every
    candidate report."""

    x: float
    y: float
    c00: float
    c01: float
    c11: float

    @property
    def cov(self) -> np.ndarray:
        """The covariance as a 2×2 array (a new one each time)."""
        return np.array([[self.c00, self.c01], [self.c01, self.c11]])


@dataclass(frozen=True, slots=True)
class Ray:
    ox: float
    oy: float
    theta: float  # radians, clockwise from grid north
    sigma: float  # radians
    r_lo: float
    r_hi: float
    ranged: bool  # True when the report gave a distance or band (else the band is the sensor's reach)
    judgement: float = 0.05  # relative error of the distance itself: people misjudge distances by ~20 %
    # derived once (fusion reads them hundreds of thousands of times): the band's middle, and its spread as
    # a Gaussian (`band_spread`); `prepare` passes them in, computed for all rays at once
    r_mid: float = field(default=math.nan, repr=False, compare=False)
    r_sigma: float = field(default=math.nan, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.r_mid != self.r_mid:  # NaN: not given
            mid, spread = band_spread(self.r_lo, self.r_hi, self.judgement)
            object.__setattr__(self, "r_mid", float(mid))
            object.__setattr__(self, "r_sigma", float(spread))

    def point(self, r: float) -> tuple[float, float]:
        return self.ox + r * math.sin(self.theta), self.oy + r * math.cos(self.theta)

    def as_point(self) -> Point:
        """A rough point for this ray: mid range, with the band along the ray and the angle across."""
        x, y = self.point(self.r_mid)
        c00, c01, c11 = band_cov(self.theta, self.sigma, self.r_mid, self.r_sigma)
        return Point(x, y, float(c00), float(c01), float(c11))


def band_spread(lo: Any, hi: Any, judgement: Any) -> tuple[Any, Any]:
    """A range band's middle, and its spread read as a Gaussian: the uniform band's sigma with the relative
    judgement error added, never under 25 m. Floats or arrays alike (`Ray`, and `prepare` for all rays at
    once), with the same operations in the same order, so both give the same floats."""
    mid = 0.5 * (lo + hi)
    return mid, np.maximum(np.sqrt((hi - lo) ** 2 / 12.0 + (judgement * mid) ** 2), 25.0)


def band_cov(theta: Any, sigma: Any, mid: Any, spread: Any) -> tuple[Any, Any, Any]:
    """The covariance (c00, c01, c11) of a ray read as a point at mid range: its range spread along the ray,
    its angular error across it (1 m added). Floats or arrays alike (`Ray.as_point`, the partition's
    candidate columns), so both read a ray the same way."""
    s, c = np.sin(theta), np.cos(theta)
    along, across = spread**2, (mid * sigma) ** 2 + 1.0
    return along * s * s + across * c * c, (along - across) * s * c, along * c * c + across * s * s


CHI2_2D = 13.82  # the association's gates: 99.9 % for two degrees of freedom
CHI2_1D = 10.83  # 99.9 % for one
CROSS_ASPECT_SLACK_M = 20_000.0  # the most an event's two ends' uncertainty adds to its weapon's reach


def joint_reach(reach_a: Any, known_a: Any, reach_b: Any, known_b: Any) -> Any:
    """How far apart the two ends of one event may be, from what two reports (or groups of them) say of its
    weapon: the longer reach where both name one, the named one's where only one does (leaving the weapon
    unnamed is no evidence that it reaches far), the unknown class's where neither does. Floats or arrays
    alike (the partition's gate, the greedy step's and the clusters')."""
    if isinstance(known_a, bool) and isinstance(known_b, bool):  # one pair: plain Python (called per report)
        if known_a == known_b:
            return max(reach_a, reach_b)
        return reach_a if known_a else reach_b
    longer = np.maximum(reach_a, reach_b)
    return np.where(known_a & known_b, longer, np.where(known_a, reach_a, np.where(known_b, reach_b, longer)))


def crossing_sine(ua0: Any, ua1: Any, ub0: Any, ub1: Any) -> Any:
    """Two rays with unit directions (ua0, ua1) and (ub0, ub1): the sine of the angle between them (the
    determinant of [ua, -ub]); near zero, they are nearly parallel. Floats or arrays alike."""
    return ub0 * ua1 - ua0 * ub1


def crossing(ua0: Any, ua1: Any, ub0: Any, ub1: Any, bx: Any, by: Any, det: Any) -> tuple[Any, Any]:
    """Two rays as in `crossing_sine`, the second's origin (bx, by) from the first's, det their nonzero
    `crossing_sine`: how far along each lies the point where they cross (Cramer's rule; negative behind
    its origin). Floats or arrays alike (the partition's gate, the greedy step's, the consensus seeds')."""
    return (ub0 * by - ub1 * bx) / det, (ua0 * by - ua1 * bx) / det


def firing_gap(arrival_a: Any, s_a: Any, sigma_a: Any, arrival_b: Any, s_b: Any, sigma_b: Any, sin_ab: Any
               ) -> tuple[Any, Any]:  # fmt: skip
    """Two timed bearings that cross s_a and s_b metres from their sensors, at an angle whose sine is
    sin_ab: how far apart the firing times their arrivals imply there are, and that gap's variance (both
    arrivals' errors, and the crossing's error along each ray — the other ray's error across, over the
    sine). Floats or arrays alike (the partition's gate and the greedy step's)."""
    gap = (arrival_a - s_a / SPEED_OF_SOUND_M_S) - (arrival_b - s_b / SPEED_OF_SOUND_M_S)
    along = np.hypot(s_a * sigma_a, s_b * sigma_b) / np.abs(sin_ab)
    return gap, 2 * ARRIVAL_SIGMA_S**2 + 2 * (along / SPEED_OF_SOUND_M_S) ** 2


class MeasurementRows:
    """The rows (`Measurement.row`'s twelve columns) of every measurement one `prepare` made, computed
    vectorised and held as one array; each of those measurements keeps its row's number. A row per
    measurement as a tuple of floats would cost more memory than the array and more time to gather.

    `primary` holds, per view (by its index), what the partition reads of it and of its first measurement
    (`PRIMARY`), as `prepare` computed them: read once (the partition lets go of them), so that a million
    views need not be read one attribute at a time."""

    __slots__ = ("table", "primary")

    def __init__(self) -> None:
        self.table = np.zeros((0, ROW_WIDTH))
        self.primary: dict[str, np.ndarray] | None = None


# what `MeasurementRows.primary` holds per view: its time, tolerance, weapon's reach and whether named, the
# aspect (an index into ASPECTS) and type (into OBSERVATION_TYPES), a hash of its source; and of its first
# measurement: whether it locates (a point, or a ranged ray), its rough place and covariance, and for a ray
# first, its observer, direction, spread, reach and sound's arrival (zeros and NaN otherwise)
PRIMARY = ("t", "tau", "reach", "known", "aspect", "type", "source", "has_point", "px", "py", "c00", "c01", "c11",
           "ox", "oy", "theta", "sigma", "rhi", "arrival")  # fmt: skip


ROW_WIDTH = 12


@dataclass(slots=True)
class Measurement:
    """What one observation says about one end (origin or site) of an event."""

    obs_index: int
    aspect: Aspect
    point: Point | None = None
    ray: Ray | None = None
    arrival: float = math.nan  # a bearing to a launch heard by an acoustic sensor: when the sound arrived (s)
    rows: MeasurementRows | None = field(default=None, repr=False, compare=False)  # where its row is, if held
    at: int = -1
    _rough: Point | None = field(default=None, init=False, repr=False, compare=False)

    def row(self) -> tuple[float, ...]:
        """The measurement as one row of the batched solver's table: kind (0 point, 1 ray), x, y, the
        point's inverse covariance (a, b, c), then the ray's bearing, sigma, range middle and spread, the
        sound's arrival time (NaN when not timed) and the ray's reach (infinite for a point)."""
        if self.rows is not None:
            return tuple(self.rows.table[self.at].tolist())
        if self.point is not None:
            p = self.point
            a, b, c = p.c00, p.c01, p.c11
            det = a * c - b * b
            return (0.0, p.x, p.y, c / det, -b / det, a / det, 0.0, 1.0, 1.0, 1.0, math.nan, math.inf)
        r = self.ray
        assert r is not None
        return (1.0, r.ox, r.oy, 1.0, 0.0, 1.0, r.theta, r.sigma, r.r_mid, r.r_sigma, self.arrival, r.r_hi)

    def rough(self) -> Point:
        if self.point is not None:
            return self.point
        assert self.ray is not None
        if self._rough is None:  # computed once: fusion asks for it many times
            self._rough = self.ray.as_point()
        return self._rough


@dataclass(slots=True)
class ObsView:
    """An observation prepared for fusion."""

    index: int
    report: Report
    t: float
    tau: float
    family: str
    coarse: bool
    measurements: tuple[Measurement, ...] = ()  # a tuple: a million views' lists would hold spare room
    reach: float = WEAPON_RANGE_M[WeaponClass.UNKNOWN]  # how far its weapon fires (m)
    weapon_known: bool = False  # the report names the weapon (else `reach` is the unknown class's)
    outlier: bool = False  # joined by time alone; kept as evidence, left out of the position estimate

    @property
    def primary(self) -> Measurement | None:
        return self.measurements[0] if self.measurements else None


def prepare(
    observations: Iterable[Observation] | ObservationColumns,
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
    *,
    sensing: Sensing | None = None,
    chunk: int = 50_000,
) -> list[ObsView]:
    """Project every observation once, correcting true bearings to grid bearings, and read each as points and
    rays. `sensing` is how far the observers sense (the agreement's `Agreement.sensing`; without it, as far
    as any of their kind, `SIGHTING_RANGE_M`). The arithmetic is vectorised; the views are built `chunk`
    observations at a time."""
    sensing = sensing or Sensing()
    sighting = np.array([sensing.of_kind(k) for k in SOURCE_KINDS])
    cols = observations if isinstance(observations, ObservationColumns) else ObservationColumns.of(observations)
    f, c = cols.floats(), cols.codes()
    views: list[ObsView] = []
    rows, tables, primaries, first_row = MeasurementRows(), [], [], 0
    for s in range(0, len(cols), chunk):
        part = slice(s, s + chunk)
        f_part, c_part = {k: v[part] for k, v in f.items()}, {k: v[part] for k, v in c.items()}
        reports = cols.reports[part]
        sensed = _sensed(reports, sighting[c_part["source_kind"]], sensing)
        more, table, primary = _prepare(reports, s, f_part, c_part, projector, place, sensed, rows, first_row)
        views += more
        tables.append(table)
        primaries.append(primary)
        first_row += len(table)
    if tables:
        rows.table = np.concatenate(tables)
        rows.primary = {k: np.concatenate([p[k] for p in primaries]) for k in PRIMARY}
    return views


def _sensed(reports: list[Report], of_kind: np.ndarray, sensing: Sensing) -> np.ndarray:
    """How far each report's observer senses: its kind's reach, or its sensor's own where declared."""
    if not sensing.sensors:
        return of_kind
    return np.array([sensing.of(r.source_kind, r.source_id) for r in reports])


_TAU_TABLE = np.array([[TAU_S[k, p] for p in TIME_PRECISIONS] for k in SOURCE_KINDS])
_COARSE_TIME = np.array([p in (TimePrecision.HOUR, TimePrecision.DAY) for p in TIME_PRECISIONS])
_POSITION_SIGMA = np.array([DEFAULT_POSITION_SIGMA_M[k] for k in SOURCE_KINDS])
_JUDGEMENT = np.array([0.2 if k in HUMAN_SOURCES else 0.05 for k in SOURCE_KINDS])
_GEO_SIGMA = np.array([GEO_PRECISION_SIGMA_M.get(g or 1, 2000.0) for g in range(4)])
_REACH = np.array([WEAPON_RANGE_M[w] for w in WEAPON_CLASSES], dtype=float)
_FIRE_SIGMA = math.radians(10.0)  # a crater's direction of fire, read from its shape
# per source kind, the widest time tolerance at which its bearings are timed (-1: never)
_ARRIVAL_TAU = np.array([TAU_S[k, TimePrecision.SECOND] if k == SourceKind.ACOUSTIC_SENSOR else -1.0
                         for k in SOURCE_KINDS])  # fmt: skip
_DEFAULT_ASPECT_CODE = np.array([ASPECTS.index(DEFAULT_ASPECT.get(t, Aspect.SITE)) for t in OBSERVATION_TYPES])
_FAMILY = [t.family for t in OBSERVATION_TYPES]
_ORIGIN_CODE = ASPECTS.index(Aspect.ORIGIN)


def _shared(a: np.ndarray) -> list[float]:
    """The array as a list whose equal values are one float object."""
    values, which = np.unique(a, return_inverse=True)
    floats = values.tolist()
    return [floats[k] for k in which.tolist()]


def _ray_rows(ox: np.ndarray, oy: np.ndarray, theta: np.ndarray, sigma: np.ndarray, mid: np.ndarray,
              spread: np.ndarray, hi: np.ndarray, arrival: np.ndarray) -> np.ndarray:  # fmt: skip
    """Rays' rows of the solver's table (`Measurement.row`'s columns)."""
    one, zero = np.ones_like(ox), np.zeros_like(ox)
    return np.column_stack((one, ox, oy, one, zero, one, theta, sigma, mid, spread, arrival, hi))


def _point_rows(x: np.ndarray, y: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Points' rows (isotropic: variance σ² both ways) with their inverse covariance as `Measurement.row`
    computes it from the 2×2 covariance."""
    var = sigma * sigma
    det = var * var
    one, zero = np.ones_like(x), np.zeros_like(x)
    return np.column_stack((zero, x, y, var / det, -zero / det, var / det, zero, one, one, one,
                            np.full_like(x, math.nan), np.full_like(x, math.inf)))  # fmt: skip


def _prepare(
    reports: list[Report],
    offset: int,
    f: dict[str, np.ndarray],
    c: dict[str, np.ndarray],
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
    sensed: np.ndarray,
    rows: MeasurementRows,
    first_row: int,
) -> tuple[list[ObsView], np.ndarray, dict[str, np.ndarray]]:
    """Views of one chunk, numbered from `offset`, their measurements' rows (numbered from `first_row`, to be
    held in `rows`), and their `PRIMARY` columns; `sensed` is how far each report's observer senses."""
    n = len(reports)
    lon, lat, olon, olat = f["lon"].copy(), f["lat"].copy(), f["observer_lon"], f["observer_lat"]
    stated = ~np.isnan(lat)
    has_obs = ~np.isnan(olon)
    for i in np.flatnonzero(~stated & ~has_obs).tolist():  # a place name alone: the gazetteer's point
        name = reports[i].place
        ll = place(name) if name else None
        if ll is not None:
            lon[i], lat[i] = ll
    has_pt = ~np.isnan(lon)
    x, y = projector.to_xy(np.nan_to_num(lon), np.nan_to_num(lat)) if n else (np.zeros(0), np.zeros(0))
    ox, oy = projector.to_xy(np.nan_to_num(olon), np.nan_to_num(olat)) if n else (np.zeros(0), np.zeros(0))
    # grid convergence at each observer: true north's direction measured from grid north
    nx, ny = projector.to_xy(np.nan_to_num(olon), np.nan_to_num(olat) + 0.01) if n else (np.zeros(0), np.zeros(0))
    gamma = np.arctan2(nx - ox, ny - oy)
    px, py = projector.to_xy(np.nan_to_num(lon), np.nan_to_num(lat) + 0.01) if n else (np.zeros(0), np.zeros(0))
    gamma_pt = np.arctan2(px - x, py - y)

    sk, geo, wc = c["source_kind"], c["geo_precision"], c["weapon_class"]
    tau = _TAU_TABLE[sk, c["time_precision"]]
    coarse = _COARSE_TIME[c["time_precision"]] | (~stated & ~has_obs) | (geo >= 2)
    named = c["named"].astype(bool)
    prec = f["location_precision"]
    sigma = np.where(~np.isnan(prec), prec,
                     np.where((geo > 0) | (~stated & named), _GEO_SIGMA[geo], _POSITION_SIGMA[sk]))  # fmt: skip
    reach = _REACH[wc]
    weapon_known = wc != WEAPON_CLASSES.index(WeaponClass.UNKNOWN)
    fire = f["fire_bearing"]
    theta_fire = np.radians(fire) + gamma_pt
    has_ray = ~np.isnan(f["bearing"]) & has_obs
    theta = np.radians(f["bearing"]) + gamma
    ray_sigma = np.radians(f["bearing_sigma"])
    # the range band: a stated distance ±15 %, a stated band (open ends from the floor or the sensor's reach),
    # or, with neither, the floor to the reach (not ranged)
    d, dmin, dmax = f["distance"], f["distance_min"], f["distance_max"]
    has_d, has_band = ~np.isnan(d), ~np.isnan(dmin) | ~np.isnan(dmax)
    lo = np.where(has_d, d * 0.85, np.where(has_band & ~np.isnan(dmin), dmin, MIN_RANGE_M))
    hi = np.where(has_d, d * 1.15, np.where(has_band & ~np.isnan(dmax), dmax, sensed))
    ranged = has_d | has_band
    judgement = _JUDGEMENT[sk]
    aspect = c["aspect"]
    if n:
        aspect = np.where(aspect == NO_ASPECT, _DEFAULT_ASPECT_CODE[c["type"]], aspect)
    # a time that is a measurement: an acoustic bearing stated to the second, to a launch
    timed = has_ray & (tau <= _ARRIVAL_TAU[sk]) & (aspect == _ORIGIN_CODE)
    arrival = np.where(timed, f["t"], math.nan)
    # each report's measurements in order: its point, the crater's direction of fire, its bearing
    has_fire = has_pt & ~np.isnan(fire)
    count = has_pt.astype(np.int64) + has_fire + has_ray
    first = np.cumsum(count) - count
    ray_at = first + has_pt + has_fire
    table = np.empty((int(count.sum()), ROW_WIDTH))
    table[first[has_pt]] = _point_rows(x[has_pt], y[has_pt], sigma[has_pt])
    mid, spread = band_spread(lo, hi, judgement)
    fire_mid, fire_spread = band_spread(MIN_RANGE_M, reach[has_fire], 0.05)
    fires = int(has_fire.sum())
    table[first[has_fire] + 1] = _ray_rows(x[has_fire], y[has_fire], theta_fire[has_fire],
                                           np.full(fires, _FIRE_SIGMA), fire_mid, fire_spread, reach[has_fire],
                                           np.full(fires, math.nan))  # fmt: skip
    table[ray_at[has_ray]] = _ray_rows(ox[has_ray], oy[has_ray], theta[has_ray], ray_sigma[has_ray], mid[has_ray],
                                       spread[has_ray], hi[has_ray], arrival[has_ray])  # fmt: skip

    # plain lists: indexing a numpy array per report costs more than the arithmetic done with it
    L = [a.tolist() for a in (f["t"], coarse, has_pt, x, y, sigma, fire, theta_fire, has_ray, theta, ranged, aspect,
                              arrival, weapon_known, c["type"])]  # fmt: skip
    t, coarse_, has_pt_, x_, y_, sigma_, fire_, theta_fire_, has_ray_, theta_, ranged_, aspect_, arrival_ = L[:13]
    known_, type_ = L[13:]
    # the views keep these: one float object per distinct value (most repeat: a kind's tolerance, a sensor's
    # place and reach and the band it implies), not one per report
    tau_, reach_, ox_, oy_, ray_sigma_, lo_, hi_, judgement_, mid_, spread_ = (
        _shared(a) for a in (tau, reach, ox, oy, ray_sigma, lo, hi, judgement, mid, spread))  # fmt: skip
    j = first_row  # the next measurement's row: the table's order, point, direction of fire, bearing
    views = []
    for i, r in enumerate(reports):
        k = offset + i
        a = ASPECTS[aspect_[i]]
        ms = []
        if has_pt_[i]:
            var = sigma_[i] * sigma_[i]
            point = Point(x_[i], y_[i], var, 0.0, var)
            ms.append(Measurement(k, a, point=point, rows=rows, at=j))
            j += 1
            if fire_[i] == fire_[i]:  # not NaN: the crater's direction of fire, a ray back toward the origin
                ray = Ray(x_[i], y_[i], theta_fire_[i], _FIRE_SIGMA, MIN_RANGE_M, reach_[i], False)
                ms.append(Measurement(k, Aspect.ORIGIN, ray=ray, rows=rows, at=j))
                j += 1
        if has_ray_[i]:
            ray = Ray(ox_[i], oy_[i], theta_[i], ray_sigma_[i], lo_[i], hi_[i], ranged_[i], judgement_[i], mid_[i],
                      spread_[i])  # fmt: skip
            ms.append(Measurement(k, a, ray=ray, arrival=arrival_[i], rows=rows, at=j))
            j += 1
        views.append(ObsView(k, r, t[i], tau_[i], _FAMILY[type_[i]], coarse_[i], tuple(ms), reach_[i], known_[i]))
    return views, table, _primary(reports, f["t"], tau, reach, weapon_known, aspect, c["type"], has_pt, x, y, sigma,
                                  has_ray, ranged, ox, oy, theta, ray_sigma, mid, spread, hi, arrival)  # fmt: skip


def _primary(reports: list[Report], t: np.ndarray, tau: np.ndarray, reach: np.ndarray, known: np.ndarray,
             aspect: np.ndarray, kind: np.ndarray, has_pt: np.ndarray, x: np.ndarray, y: np.ndarray,
             sigma: np.ndarray, has_ray: np.ndarray, ranged: np.ndarray, ox: np.ndarray, oy: np.ndarray,
             theta: np.ndarray, ray_sigma: np.ndarray, mid: np.ndarray, spread: np.ndarray, hi: np.ndarray,
             arrival: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """A chunk's `PRIMARY` columns: the values its views and their first measurements hold (a point where
    the report states one, else its bearing), computed as `partition._Cols` computes them from those."""
    n = len(reports)
    ray = ~has_pt & has_ray  # the first measurement is the bearing
    var = sigma * sigma
    zero = np.zeros(n)
    out = {"t": t, "tau": tau, "reach": reach, "known": known, "aspect": aspect, "type": kind,
           "source": np.fromiter((hash(r.source_id) for r in reports), dtype=np.int64, count=n),
           "has_point": has_pt | (ray & ranged), "px": np.where(has_pt, x, 0.0), "py": np.where(has_pt, y, 0.0),
           "c00": np.where(has_pt, var, 0.0), "c01": zero.copy(), "c11": np.where(has_pt, var, 0.0)}  # fmt: skip
    for name, values in (("ox", ox), ("oy", oy), ("theta", theta), ("sigma", ray_sigma), ("rhi", hi)):
        out[name] = np.where(ray, values, 0.0)
    out["arrival"] = np.where(ray, arrival, math.nan)
    k = np.flatnonzero(ray)  # each ray as a rough point (`Ray.as_point`), as the partition reads it
    out["px"][k] = ox[k] + mid[k] * np.sin(theta[k])
    out["py"][k] = oy[k] + mid[k] * np.cos(theta[k])
    out["c00"][k], out["c01"][k], out["c11"][k] = band_cov(theta[k], ray_sigma[k], mid[k], spread[k])
    return out
