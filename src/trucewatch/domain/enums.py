"""Closed vocabularies: observation types, source kinds, weapon classes, statuses."""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    MONITOR_PATROL = "monitor_patrol"
    FIXED_CAMERA = "fixed_camera"
    DRONE = "drone"
    ACOUSTIC_SENSOR = "acoustic_sensor"
    SATELLITE = "satellite"
    PARTY_COMPLAINT = "party_complaint"
    OPEN_SOURCE = "open_source"

    @property
    def is_mission(self) -> bool:
        """Sources operated by the neutral mission itself."""
        return self in MISSION_SOURCES


MISSION_SOURCES = frozenset(
    {
        SourceKind.MONITOR_PATROL,
        SourceKind.FIXED_CAMERA,
        SourceKind.DRONE,
        SourceKind.ACOUSTIC_SENSOR,
        SourceKind.SATELLITE,
    }
)


class ObservationType(StrEnum):
    """OSCE-style categories of what was seen or heard."""

    EXPLOSION = "explosion"
    PROJECTILE = "projectile"
    MUZZLE_FLASH = "muzzle_flash"
    ILLUMINATION_FLARE = "illumination_flare"
    BURSTS = "bursts"
    IMPACT = "impact"
    AIR_STRIKE = "air_strike"
    ARMED_CLASH = "armed_clash"
    HEAVY_WEAPON = "heavy_weapon"
    TROOP_MOVEMENT = "troop_movement"
    RESUPPLY = "resupply"
    MOBILISATION = "mobilisation"
    TRAINING = "training"
    PROTECTED_SITE_DAMAGE = "protected_site_damage"
    CIVILIAN_HARM = "civilian_harm"
    MOVEMENT_RESTRICTION = "movement_restriction"
    SENSOR_INTERFERENCE = "sensor_interference"
    THERMAL_ANOMALY = "thermal_anomaly"

    @property
    def family(self) -> str:
        """Types of one family may describe the same event (an explosion heard and a crater seen)."""
        return TYPE_FAMILY[self]


TYPE_FAMILY: dict[ObservationType, str] = {
    ObservationType.EXPLOSION: "fire",
    ObservationType.PROJECTILE: "fire",
    ObservationType.MUZZLE_FLASH: "fire",
    ObservationType.ILLUMINATION_FLARE: "flare",
    ObservationType.BURSTS: "fire",
    ObservationType.IMPACT: "fire",
    ObservationType.AIR_STRIKE: "fire",
    ObservationType.ARMED_CLASH: "fire",
    ObservationType.PROTECTED_SITE_DAMAGE: "fire",
    ObservationType.CIVILIAN_HARM: "fire",
    ObservationType.THERMAL_ANOMALY: "fire",
    ObservationType.HEAVY_WEAPON: "weapon",
    ObservationType.TROOP_MOVEMENT: "movement",
    ObservationType.RESUPPLY: "resupply",
    ObservationType.MOBILISATION: "mobilisation",
    ObservationType.TRAINING: "training",
    ObservationType.MOVEMENT_RESTRICTION: "access",
    ObservationType.SENSOR_INTERFERENCE: "access",
}


class Aspect(StrEnum):
    """Which end of a fire event an observation locates."""

    ORIGIN = "origin"
    IMPACT = "impact"
    SITE = "site"  # the thing itself: a weapon seen, a checkpoint, a clash


DEFAULT_ASPECT: dict[ObservationType, Aspect] = {
    ObservationType.MUZZLE_FLASH: Aspect.ORIGIN,
    ObservationType.PROJECTILE: Aspect.ORIGIN,
    ObservationType.EXPLOSION: Aspect.IMPACT,
    ObservationType.IMPACT: Aspect.IMPACT,
    ObservationType.AIR_STRIKE: Aspect.IMPACT,
    ObservationType.PROTECTED_SITE_DAMAGE: Aspect.IMPACT,
    ObservationType.CIVILIAN_HARM: Aspect.IMPACT,
    ObservationType.THERMAL_ANOMALY: Aspect.IMPACT,
}


class WeaponClass(StrEnum):
    SMALL_ARMS = "small_arms"
    MORTAR = "mortar"
    TANK = "tank"
    ARTILLERY = "artillery"  # tube artillery of 100 mm and more
    MLRS = "mlrs"
    HEAVY_ROCKET = "heavy_rocket"
    AIR_DEFENCE = "air_defence"
    AIRCRAFT = "aircraft"
    DRONE = "drone"
    UNKNOWN = "unknown"


# Sound's speed in air near the ground (m/s): when an acoustic sensor hears a launch, and what the times of
# several imply about where it was (the synthetic scenario and fusion both use it).
SPEED_OF_SOUND_M_S = 343.0

# Typical maximum ranges in metres, used to bound bearing-only rays and for the synthetic scenario.
WEAPON_RANGE_M: dict[WeaponClass, float] = {
    WeaponClass.SMALL_ARMS: 1_500,
    WeaponClass.MORTAR: 7_000,
    WeaponClass.TANK: 5_000,
    WeaponClass.ARTILLERY: 25_000,
    WeaponClass.MLRS: 35_000,
    WeaponClass.HEAVY_ROCKET: 70_000,
    WeaponClass.AIR_DEFENCE: 20_000,
    WeaponClass.AIRCRAFT: 100_000,
    WeaponClass.DRONE: 40_000,
    WeaponClass.UNKNOWN: 30_000,
}


# How far each kind of observer can sense an event (m): the far end of a bearing's range band when its report
# states no distance, and the most an agreement's `settings.sensing_range_m` may set for the kind (a mission
# declares how far its own equipment reaches; no setting makes an observer sense farther than any of its
# kind does). An acoustic sensor hears a launch out to about 35 km.
SIGHTING_RANGE_M: dict[SourceKind, float] = {
    SourceKind.ACOUSTIC_SENSOR: 35_000.0,
    SourceKind.FIXED_CAMERA: 20_000.0,
    SourceKind.DRONE: 10_000.0,
    SourceKind.MONITOR_PATROL: 15_000.0,
    SourceKind.SATELLITE: 50_000.0,
    SourceKind.PARTY_COMPLAINT: 30_000.0,
    SourceKind.OPEN_SOURCE: 30_000.0,
}


class TimePrecision(StrEnum):
    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def seconds(self) -> float:
        return {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}[self.value]


class Status(StrEnum):
    REPORTED = "reported"
    UNDER_REVIEW = "under_review"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    DISPUTED = "disputed"
    DISMISSED = "dismissed"


class Outcome(StrEnum):
    VIOLATION = "violation"
    NO_VIOLATION = "no_violation"
    UNDETERMINED = "undetermined"
