"""One report of one thing seen or heard, exactly as received. Never edited once stored."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trucewatch.domain.enums import Aspect, ObservationType, SourceKind, TimePrecision, WeaponClass
from trucewatch.domain.grades import SourceGrade

COMPASS_16 = [
    "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
    "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
]  # fmt: skip
# A 16-point direction means "somewhere in a 22.5° sector" (a uniform sector's standard deviation, 6.5°),
# judged by a person whose own error is a few degrees more: the two add in quadrature.
OBSERVER_JUDGEMENT_DEG = 4.0
COMPASS_SIGMA_DEG = math.hypot(22.5 / math.sqrt(12.0), OBSERVER_JUDGEMENT_DEG)
MAX_TEXT = 10_000


def compass_to_bearing(point: str) -> float:
    """Bearing in degrees of a 16-point compass direction such as 'SSE'."""
    try:
        return COMPASS_16.index(point.strip().upper()) * 22.5
    except ValueError:
        raise ValueError(f"direction {point!r} is not one of the 16 compass points (N, NNE, … NNW)") from None


class Observation(BaseModel):
    """The observation schema shared by CSV, JSON Lines, GeoJSON and the HTTP API."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, allow_inf_nan=False)

    id: str = ""
    client_id: str | None = Field(default=None, max_length=200)
    observed_at: datetime
    time_precision: TimePrecision = TimePrecision.MINUTE
    reported_at: datetime | None = None
    source_kind: SourceKind
    source_id: str = Field(min_length=1, max_length=200)
    source_group: str | None = Field(default=None, max_length=200)
    observer_lat: float | None = Field(default=None, ge=-90, le=90)
    observer_lon: float | None = Field(default=None, ge=-180, le=180)
    type: ObservationType
    aspect: Aspect | None = None
    bearing_deg: float | None = Field(default=None, ge=0, lt=360)
    bearing_sigma_deg: float | None = Field(default=None, gt=0, le=90)
    direction: str | None = None
    fire_bearing_deg: float | None = Field(default=None, ge=0, lt=360)
    distance_m: float | None = Field(default=None, gt=0, le=500_000)
    distance_min_m: float | None = Field(default=None, ge=0, le=500_000)
    distance_max_m: float | None = Field(default=None, gt=0, le=500_000)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    location_precision_m: float | None = Field(default=None, gt=0, le=1_000_000)
    place: str | None = Field(default=None, max_length=200)
    geo_precision: int | None = Field(default=None, ge=1, le=3)
    weapon_class: WeaponClass | None = None
    calibre_mm: float | None = Field(default=None, gt=0, le=1000)
    count: int | None = Field(default=None, ge=1, le=100_000)
    narrative: str | None = Field(default=None, max_length=MAX_TEXT)
    alleging_party: str | None = Field(default=None, max_length=100)
    accused_party: str | None = Field(default=None, max_length=100)
    subject_party: str | None = Field(default=None, max_length=100)
    grade: SourceGrade = SourceGrade()
    supersedes: str | None = Field(default=None, max_length=200)

    @field_validator(
        "observer_lat", "observer_lon", "bearing_deg", "bearing_sigma_deg", "fire_bearing_deg",
        "distance_m", "distance_min_m", "distance_max_m", "lat", "lon", "location_precision_m", "calibre_mm",
    )  # fmt: skip
    @classmethod
    def _finite(cls, v: float | None) -> float | None:
        if v is not None and not math.isfinite(v):
            raise ValueError("must be a finite number (NaN and infinities are refused)")
        return v

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, v: object) -> object:
        return SourceGrade.parse(v) if isinstance(v, str) else v

    @field_validator("observed_at", "reported_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("time needs a UTC offset, e.g. 2026-03-01T10:00:00Z")
        return v

    @field_validator("direction")
    @classmethod
    def _compass(cls, v: str | None) -> str | None:
        if v is None:
            return v
        compass_to_bearing(v)
        return v.strip().upper()

    @model_validator(mode="after")
    def _coherent(self) -> Observation:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon must be given together")
        if (self.observer_lat is None) != (self.observer_lon is None):
            raise ValueError("observer_lat and observer_lon must be given together")
        if self.bearing_deg is not None and self.direction is not None:
            raise ValueError("give either bearing_deg or direction, not both")
        has_ray = self.bearing_deg is not None or self.direction is not None
        if has_ray and self.observer_lat is None:
            raise ValueError("a bearing or direction needs the observer position (observer_lat, observer_lon)")
        if (
            self.distance_min_m is not None
            and self.distance_max_m is not None
            and self.distance_min_m >= self.distance_max_m
        ):
            raise ValueError("distance_min_m must be smaller than distance_max_m")
        if self.lat is None and self.place is None and not has_ray:
            raise ValueError("no location: give lat/lon, a place name, or a bearing from the observer")
        if self.source_kind == SourceKind.PARTY_COMPLAINT and not self.alleging_party:
            raise ValueError("a party complaint needs alleging_party")
        if self.reported_at is not None and self.reported_at < self.observed_at:
            raise ValueError("reported_at is before observed_at")
        return self

    @property
    def effective_bearing(self) -> tuple[float, float] | None:
        """(bearing, sigma) in degrees, from a measured bearing or a compass point."""
        if self.bearing_deg is not None:
            return self.bearing_deg, self.bearing_sigma_deg or 3.0
        if self.direction is not None:
            return compass_to_bearing(self.direction), COMPASS_SIGMA_DEG
        return None

    @property
    def independence_key(self) -> str:
        return independence_key(self.source_kind, self.source_group, self.source_id)


def independence_key(kind: SourceKind, group: str | None, source_id: str) -> str:
    """Two monitors of one patrol are one source: group, else source id, within a source kind."""
    return f"{kind.value}:{group or source_id}"
