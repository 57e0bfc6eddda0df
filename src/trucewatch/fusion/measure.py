"""Observations as measurements in local metres: direct points, and bearing rays with range bands."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import DEFAULT_ASPECT, WEAPON_RANGE_M, Aspect, SourceKind, TimePrecision, WeaponClass
from trucewatch.domain.observation import Observation

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
_TAU = {(k, p): TIME_TOLERANCE_S[k] + p.seconds / 2.0 for k in TIME_TOLERANCE_S for p in TimePrecision}
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
# How far each kind of observer can sense an event: the reach of a bearing that gives no distance.
SIGHTING_RANGE_M = {
    SourceKind.ACOUSTIC_SENSOR: 35_000.0,
    SourceKind.FIXED_CAMERA: 20_000.0,
    SourceKind.DRONE: 10_000.0,
    SourceKind.MONITOR_PATROL: 15_000.0,
    SourceKind.SATELLITE: 50_000.0,
    SourceKind.PARTY_COMPLAINT: 30_000.0,
    SourceKind.OPEN_SOURCE: 30_000.0,
}
HUMAN_SOURCES = {SourceKind.MONITOR_PATROL, SourceKind.PARTY_COMPLAINT, SourceKind.OPEN_SOURCE}
GEO_PRECISION_SIGMA_M = {1: 2000.0, 2: 10_000.0, 3: 50_000.0}
MIN_RANGE_M = 50.0


@dataclass
class Point:
    x: float
    y: float
    cov: np.ndarray  # 2x2


@dataclass(frozen=True)
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
    # a Gaussian — the uniform band's sigma with the judgement error added, never under 25 m
    r_mid: float = field(init=False, repr=False, compare=False)
    r_sigma: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mid = 0.5 * (self.r_lo + self.r_hi)
        band = (self.r_hi - self.r_lo) ** 2 / 12.0
        object.__setattr__(self, "r_mid", mid)
        object.__setattr__(self, "r_sigma", max(math.sqrt(band + (self.judgement * mid) ** 2), 25.0))

    def point(self, r: float) -> tuple[float, float]:
        return self.ox + r * math.sin(self.theta), self.oy + r * math.cos(self.theta)

    def as_point(self) -> Point:
        """A rough point for this ray: mid range, with the band along the ray and the angle across."""
        x, y = self.point(self.r_mid)
        s, c = math.sin(self.theta), math.cos(self.theta)
        along, across = self.r_sigma**2, (self.r_mid * self.sigma) ** 2 + 1.0
        u = np.array([s, c])
        v = np.array([c, -s])
        return Point(x, y, along * np.outer(u, u) + across * np.outer(v, v))


@dataclass
class Measurement:
    """What one observation says about one end (origin or site) of an event."""

    obs_index: int
    aspect: Aspect
    point: Point | None = None
    ray: Ray | None = None
    _rough: Point | None = field(default=None, init=False, repr=False, compare=False)
    _row: tuple[float, ...] | None = field(default=None, init=False, repr=False, compare=False)

    def row(self) -> tuple[float, ...]:
        """The measurement as one row of the batched solver's table: kind (0 point, 1 ray), x, y, the
        point's inverse covariance (a, b, c), then the ray's bearing, sigma, range middle and spread."""
        if self._row is None:
            if self.point is not None:
                p = self.point
                a, b, c = float(p.cov[0, 0]), float(p.cov[0, 1]), float(p.cov[1, 1])
                det = a * c - b * b
                self._row = (0.0, p.x, p.y, c / det, -b / det, a / det, 0.0, 1.0, 1.0, 1.0)
            else:
                r = self.ray
                assert r is not None
                self._row = (1.0, r.ox, r.oy, 1.0, 0.0, 1.0, r.theta, r.sigma, r.r_mid, r.r_sigma)
        return self._row

    def rough(self) -> Point:
        if self.point is not None:
            return self.point
        assert self.ray is not None
        if self._rough is None:  # computed once: fusion asks for it many times
            self._rough = self.ray.as_point()
        return self._rough


@dataclass
class ObsView:
    """An observation prepared for fusion."""

    index: int
    obs: Observation
    t: float
    tau: float
    family: str
    coarse: bool
    measurements: list[Measurement] = field(default_factory=list)
    reach: float = WEAPON_RANGE_M[WeaponClass.UNKNOWN]  # how far its weapon fires (m)
    outlier: bool = False  # joined by time alone; kept as evidence, left out of the position estimate

    @property
    def primary(self) -> Measurement | None:
        return self.measurements[0] if self.measurements else None


def _iso_cov(sigma: float) -> np.ndarray:
    return np.eye(2) * sigma * sigma


def prepare(
    observations: list[Observation],
    projector: Projector,
    place: Callable[[str], tuple[float, float] | None],
) -> list[ObsView]:
    """Project every observation once (vectorised), correcting true bearings to grid bearings."""
    n = len(observations)
    lon = np.array([o.lon if o.lon is not None else np.nan for o in observations], dtype=float)
    lat = np.array([o.lat if o.lat is not None else np.nan for o in observations], dtype=float)
    olon = np.array([o.observer_lon if o.observer_lon is not None else np.nan for o in observations], dtype=float)
    olat = np.array([o.observer_lat if o.observer_lat is not None else np.nan for o in observations], dtype=float)
    for i, o in enumerate(observations):
        if o.lat is None and o.place and o.observer_lat is None:
            ll = place(o.place)
            if ll is not None:
                lon[i], lat[i] = ll
    x, y = projector.to_xy(np.nan_to_num(lon), np.nan_to_num(lat)) if n else (np.zeros(0), np.zeros(0))
    ox, oy = projector.to_xy(np.nan_to_num(olon), np.nan_to_num(olat)) if n else (np.zeros(0), np.zeros(0))
    # grid convergence at each observer: true north's direction measured from grid north
    nx, ny = projector.to_xy(np.nan_to_num(olon), np.nan_to_num(olat) + 0.01) if n else (np.zeros(0), np.zeros(0))
    gamma = np.arctan2(nx - ox, ny - oy)
    px, py = projector.to_xy(np.nan_to_num(lon), np.nan_to_num(lat) + 0.01) if n else (np.zeros(0), np.zeros(0))
    gamma_pt = np.arctan2(px - x, py - y)
    # plain lists: indexing a numpy array per report costs more than the arithmetic done with it
    has_pt, has_obs = (~np.isnan(lon)).tolist(), (~np.isnan(olon)).tolist()
    x, y, ox, oy, gamma, gamma_pt = (a.tolist() for a in (x, y, ox, oy, gamma, gamma_pt))
    views = []
    for i, o in enumerate(observations):
        aspect = o.aspect or DEFAULT_ASPECT.get(o.type, Aspect.SITE)
        wc = o.weapon_class or WeaponClass.UNKNOWN
        tau = _TAU[o.source_kind, o.time_precision]
        coarse = (
            o.time_precision in (TimePrecision.HOUR, TimePrecision.DAY)
            or (o.lat is None and o.observer_lat is None)
            or (o.geo_precision is not None and o.geo_precision >= 2)
        )
        v = ObsView(i, o, o.observed_at.timestamp(), tau, o.type.family, coarse, reach=WEAPON_RANGE_M[wc])
        if has_pt[i]:
            if o.location_precision_m is not None:
                sigma = o.location_precision_m
            elif o.geo_precision is not None or (o.lat is None and o.place):
                sigma = GEO_PRECISION_SIGMA_M.get(o.geo_precision or 1, 2000.0)
            else:
                sigma = DEFAULT_POSITION_SIGMA_M[o.source_kind]
            v.measurements.append(Measurement(i, aspect, point=Point(x[i], y[i], _iso_cov(sigma))))
            if o.fire_bearing_deg is not None:
                # the crater's direction of fire: a ray from the impact back toward the origin
                theta = math.radians(o.fire_bearing_deg) + gamma_pt[i]
                ray = Ray(x[i], y[i], theta, math.radians(10.0), MIN_RANGE_M, WEAPON_RANGE_M[wc], False)
                v.measurements.append(Measurement(i, Aspect.ORIGIN, ray=ray))
        eb = o.effective_bearing
        if eb is not None and has_obs[i]:
            bearing, sigma_deg = eb
            theta = math.radians(bearing) + gamma[i]
            if o.distance_m is not None:
                d = o.distance_m
                lo, hi, ranged = d * 0.85, d * 1.15, True
            elif o.distance_min_m is not None or o.distance_max_m is not None:
                lo = o.distance_min_m if o.distance_min_m is not None else MIN_RANGE_M
                hi = o.distance_max_m if o.distance_max_m is not None else SIGHTING_RANGE_M[o.source_kind]
                ranged = True
            else:
                lo, hi, ranged = MIN_RANGE_M, SIGHTING_RANGE_M[o.source_kind], False
            judgement = 0.2 if o.source_kind in HUMAN_SOURCES else 0.05
            ray = Ray(ox[i], oy[i], theta, math.radians(sigma_deg), lo, hi, ranged, judgement)
            v.measurements.append(Measurement(i, aspect, ray=ray))
        views.append(v)
    return views
