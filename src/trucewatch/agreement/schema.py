"""The agreement file's schema (YAML), validated with pydantic so errors name the key path."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trucewatch.domain.enums import SIGHTING_RANGE_M, ObservationType, SourceKind, WeaponClass

PROTECTED_CATEGORIES = (
    "power_generation", "transmission", "refinery", "pipeline", "nuclear_plant", "dam",
    "hospital", "school", "water", "heating", "other",
)  # fmt: skip

GeometryRef = dict[str, Any]  # inline GeoJSON (Geometry, Feature, FeatureCollection) or {"file": path}


MIN_SENSING_RANGE_M = 100.0  # a sensing range below this is a typo, not equipment


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Party(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    name: str
    role: Literal["party", "observer", "mediator"] = "party"


class Window(_Strict):
    start: datetime
    end: datetime | None = None
    duration_days: float | None = Field(default=None, gt=0, le=3650)
    timezone: str = "UTC"

    @model_validator(mode="after")
    def _end(self) -> Window:
        if self.start.tzinfo is None:
            raise ValueError("start needs a UTC offset, e.g. 2026-03-01T00:00:00+03:00")
        if (self.end is None) == (self.duration_days is None):
            raise ValueError("give exactly one of end or duration_days")
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    @property
    def stop(self) -> datetime:
        return self.end if self.end is not None else self.start + timedelta(days=self.duration_days or 0)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Europe/Kyiv)") from None
        return v


class Place(_Strict):
    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    aliases: list[str] = []


class BufferZone(_Strict):
    width_m: float | None = Field(default=None, gt=0, le=100_000)
    geometry: GeometryRef | None = None

    @model_validator(mode="after")
    def _one(self) -> BufferZone:
        if (self.width_m is None) == (self.geometry is None):
            raise ValueError("give exactly one of width_m (either side of the contact line) or geometry")
        return self


class WithdrawalZone(_Strict):
    weapon_classes: list[WeaponClass] = Field(min_length=1)
    distance_km: float = Field(gt=0, le=500)
    note: str | None = None


class ProtectedSite(_Strict):
    id: str
    name: str
    category: str
    geometry: GeometryRef | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float = Field(default=1000, ge=0, le=50_000)

    @field_validator("category")
    @classmethod
    def _cat(cls, v: str) -> str:
        if v not in PROTECTED_CATEGORIES:
            raise ValueError(f"unknown category {v!r}; expected one of {', '.join(PROTECTED_CATEGORIES)}")
        return v

    @model_validator(mode="after")
    def _where(self) -> ProtectedSite:
        if self.geometry is None and (self.lat is None or self.lon is None):
            raise ValueError("a protected site needs geometry, or lat and lon")
        return self


class SiteFile(_Strict):
    """Sites read from a reference file, e.g. the Global Power Plant Database's CSV."""

    file: str
    format: Literal["gppd"] = "gppd"
    radius_m: float = Field(default=2000, ge=0, le=50_000)
    attribution: str | None = None


class StorageSite(_Strict):
    id: str
    party: str
    name: str
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: float = Field(default=500, ge=0, le=20_000)
    weapon_classes: list[WeaponClass] = []


class Geography(_Strict):
    disclaimer: str | None = None
    places: list[Place] = []
    control: dict[str, GeometryRef] = {}
    contact_line: GeometryRef | None = None
    buffer_zone: BufferZone | None = None
    withdrawal_zones: list[WithdrawalZone] = []
    protected_sites: list[ProtectedSite | SiteFile] = []
    storage_sites: list[StorageSite] = []


Where = Literal["anywhere", "buffer_zone", "withdrawal_zone", "protected_site", "other_party_area"]


class Rule(_Strict):
    """The machine-readable part of a clause. Every listed condition must hold."""

    observation_types: list[ObservationType] = []
    families: list[str] = []
    weapon_classes: list[WeaponClass] = []
    where: Where = "anywhere"
    protected_categories: list[str] = []
    parties: list[str] = []  # parties bound by the clause; empty means every party
    not_before: datetime | None = None
    not_after: datetime | None = None
    exempt_storage_sites: bool = True
    min_count: int | None = Field(default=None, ge=1)


class Obligation(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    text: str = Field(min_length=1)
    kind: Literal["prohibited", "report"]
    rule: Rule


class Settings(_Strict):
    attribution_threshold: float = Field(default=0.8, gt=0.5, le=1.0)
    public_coarsen_m: float = Field(default=1000, ge=0, le=50_000)
    earliest_days_before_start: float = Field(default=7, ge=0, le=3650)
    future_tolerance_minutes: float = Field(default=10, ge=0, le=1440)
    # How far the mission's own observers of each kind sense an event (m), e.g. {acoustic_sensor: 20000}:
    # the far end of a bearing whose report states no distance. A kind left out senses as far as any of its
    # kind (`SIGHTING_RANGE_M`); a setting may narrow that, not widen it.
    sensing_range_m: dict[SourceKind, float] = {}
    # A sensor's own reach where it differs from its kind's, by kind and source id (the observations'
    # `source_id`), e.g. {acoustic_sensor: {acoustic-7: 30000}}: it replaces the kind's for that sensor's
    # reports, up to the farthest any of its kind senses.
    sensor_range_m: dict[SourceKind, dict[str, float]] = {}
    # Whether fire comes only from within the parties' mapped areas of control — the map covers the front,
    # and a position's share beyond it is where the map ends, not a third place. Then each party's
    # probability for an origin of fire is conditional on the origin lying in some party's area. Off by
    # default: where an area's outer edge is a border with a third country, the share beyond it is honest.
    origins_within_control_areas: bool = False

    @field_validator("sensing_range_m")
    @classmethod
    def _sensing_within_kind(cls, v: dict[SourceKind, float]) -> dict[SourceKind, float]:
        for kind, metres in v.items():
            _check_reach(kind, kind.value, metres)
        return v

    @field_validator("sensor_range_m")
    @classmethod
    def _sensors_within_kind(cls, v: dict[SourceKind, dict[str, float]]) -> dict[SourceKind, dict[str, float]]:
        for kind, sensors in v.items():
            for source_id, metres in sensors.items():
                if not source_id.strip():
                    raise ValueError(f"{kind.value}: a sensor's source id is empty")
                _check_reach(kind, f"{kind.value}.{source_id}", metres)
        return v


def _check_reach(kind: SourceKind, name: str, metres: float) -> None:
    if not MIN_SENSING_RANGE_M <= metres <= SIGHTING_RANGE_M[kind]:
        raise ValueError(f"{name}: {metres:g} m is outside {MIN_SENSING_RANGE_M:g} to "
                         f"{SIGHTING_RANGE_M[kind]:g} m, the farthest any {kind.value} senses")  # fmt: skip


class AgreementFile(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    title: str
    version: int = Field(default=1, ge=1)
    text_reference: str | None = None
    parties: list[Party] = Field(min_length=2)
    window: Window
    geography: Geography = Geography()
    obligations: list[Obligation] = Field(min_length=1)
    settings: Settings = Settings()

    @model_validator(mode="after")
    def _references(self) -> AgreementFile:
        ids = [p.id for p in self.parties]
        if len(set(ids)) != len(ids):
            raise ValueError("party ids must be unique")
        for pid in self.geography.control:
            if pid not in ids:
                raise ValueError(f"geography.control names party {pid!r}, which is not in parties")
        for i, o in enumerate(self.obligations):
            for pid in o.rule.parties:
                if pid not in ids:
                    raise ValueError(f"obligations.{i}.rule.parties names unknown party {pid!r}")
        oids = [o.id for o in self.obligations]
        dup = {x for x in oids if oids.count(x) > 1}
        if dup:
            raise ValueError(f"obligation ids must be unique; repeated: {', '.join(sorted(dup))}")
        return self
