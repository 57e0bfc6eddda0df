"""The mission's sensors and people, and how each reports an event (with misses, noise and duplicates)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from trucewatch.domain.enums import SPEED_OF_SOUND_M_S
from trucewatch.domain.observation import COMPASS_16
from trucewatch.scenario.events import Event
from trucewatch.scenario.world import World

DISTANCE_BANDS = ((0, 1000), (1000, 2000), (2000, 4000), (4000, 6000), (6000, 10_000))
# How far the simulated equipment senses a launch: an acoustic array hears it to 20 km (most often within
# 12), a camera sees its flash to 9 km. The scenario's agreement declares these (`settings.sensing_range_m`),
# as a mission declares its own equipment's reach.
ACOUSTIC_RANGE_M = 20_000.0
ACOUSTIC_SURE_RANGE_M = 12_000.0
CAMERA_RANGE_M = 9_000.0
SENSING_RANGE_M = {"acoustic_sensor": ACOUSTIC_RANGE_M, "fixed_camera": CAMERA_RANGE_M}
WILD_BEARING_SHARE = 0.02
DUPLICATE_SHARE = 0.05


def _reported(bearing: float, places: int) -> float:
    """A bearing as a report states it, to so many places, in [0, 360): rounded before it is wrapped, for
    359.996 rounded after wrapping is 360, which the intake rightly refuses."""
    return round(round(bearing, places) % 360, places)


@dataclass
class Sensor:
    id: str
    kind: str  # acoustic_sensor | fixed_camera | monitor_post
    x: float
    y: float
    group: str


def place_sensors(world: World) -> list[Sensor]:
    """Acoustic arrays and cameras on both sides, observation posts near the line, evenly along it."""
    sensors: list[Sensor] = []
    line = world.line
    n_posts = 8
    for i in range(n_posts):
        p = line.interpolate((i + 0.5) / n_posts, normalized=True)
        side = "A" if i % 2 == 0 else "B"
        x, y = _offset_into(world, p.x, p.y, side, 2500)
        sensors.append(Sensor(f"acoustic-{i + 1}", "acoustic_sensor", x, y, f"acoustic-{i + 1}"))
        x, y = _offset_into(world, p.x, p.y, "B" if side == "A" else "A", 1500)
        sensors.append(Sensor(f"post-{i + 1}", "monitor_post", x, y, f"post-{i + 1}"))
        if i % 2 == 1:
            x, y = _offset_into(world, p.x, p.y, side, 4000)
            sensors.append(Sensor(f"camera-{i // 2 + 1}", "fixed_camera", x, y, f"camera-{i // 2 + 1}"))
    return sensors


def _offset_into(world: World, x: float, y: float, party: str, d: float) -> tuple[float, float]:
    area = world.ag.control[party]
    from shapely.geometry import Point

    for ang in np.linspace(0, 2 * math.pi, 72, endpoint=False):
        px, py = x + d * math.sin(ang), y + d * math.cos(ang)
        if area.contains(Point(px, py)) and world.line.distance(Point(px, py)) > d * 0.8:
            return px, py
    return world.sample_in(party, d * 0.8, d * 1.2)


class Reporter:
    """Turns events into observation rows for the scenario CSV, remembering which event each came from."""

    def __init__(self, world: World, sensors: list[Sensor], now: datetime) -> None:
        self.world, self.sensors, self.rng = world, sensors, world.rng
        self.rows: list[dict[str, Any]] = []
        self.truth: dict[str, str | None] = {}
        self.now = now

    def _emit(self, row: dict[str, Any], event: str | None) -> None:
        row["client_id"] = f"S{len(self.rows):06d}"
        self.rows.append(row)
        self.truth[row["client_id"]] = event
        if event is not None and row["source_kind"] == "monitor_patrol" and self.rng.random() < DUPLICATE_SHARE:
            dup = dict(row)
            dup["client_id"] = f"S{len(self.rows):06d}"
            dup["narrative"] = (row.get("narrative") or "") + " (repeated in the evening report)"
            self.rows.append(dup)
            self.truth[dup["client_id"]] = event

    def _time(self, t: datetime, precision: str) -> str:
        t = t.replace(second=0, microsecond=0) if precision == "minute" else t.replace(microsecond=0)
        return t.isoformat().replace("+00:00", "Z")

    def _observer(self, s: Sensor) -> dict[str, Any]:
        lon, lat = self.world.lonlat(s.x, s.y)
        return {"observer_lat": lat, "observer_lon": lon}

    def fire(self, e: Event) -> None:
        rng, w = self.rng, self.world
        assert e.origin is not None and e.site is not None
        for s in self.sensors:
            d_o = math.hypot(e.origin[0] - s.x, e.origin[1] - s.y)
            d_i = math.hypot(e.site[0] - s.x, e.site[1] - s.y)
            if s.kind == "acoustic_sensor" and e.weapon_class != "small_arms":
                p = 0.95 if d_o < ACOUSTIC_SURE_RANGE_M else 0.8 if d_o < ACOUSTIC_RANGE_M else 0.0
                if rng.random() < p:
                    bearing = w.true_bearing(s.x, s.y, *e.origin) + rng.normal(0, 2.0)
                    if rng.random() < WILD_BEARING_SHARE:
                        bearing += rng.choice([-1, 1]) * rng.uniform(25, 60)
                    t = e.time + timedelta(seconds=d_o / SPEED_OF_SOUND_M_S)
                    self._emit({"observed_at": self._time(t, "second"), "time_precision": "second",
                                "source_kind": "acoustic_sensor", "source_id": s.id, "source_group": s.group,
                                **self._observer(s), "type": "explosion", "aspect": "origin",
                                "bearing_deg": _reported(bearing, 2), "bearing_sigma_deg": 2.0, "grade": "B2",
                                "narrative": "acoustic detection of a launch"}, e.id)  # fmt: skip
            elif s.kind == "fixed_camera" and d_o < CAMERA_RANGE_M and rng.random() < 0.5:
                bearing = w.true_bearing(s.x, s.y, *e.origin) + rng.normal(0, 1.0)
                t = e.time + timedelta(seconds=float(rng.uniform(0, 2)))
                self._emit({"observed_at": self._time(t, "second"), "time_precision": "second",
                            "source_kind": "fixed_camera", "source_id": s.id, "source_group": s.group,
                            **self._observer(s), "type": "muzzle_flash", "aspect": "origin",
                            "bearing_deg": _reported(bearing, 2), "bearing_sigma_deg": 1.0, "grade": "A2",
                            "weapon_class": e.weapon_class}, e.id)  # fmt: skip
            elif s.kind == "monitor_post":
                for aspect, d, target in (("impact", d_i, e.site), ("origin", d_o, e.origin)):
                    reach = 2500 if e.weapon_class == "small_arms" else 7000
                    if d < reach and rng.random() < (0.75 if aspect == "impact" else 0.45):
                        self._monitor_fire(s, e, aspect, d, target)
        if rng.random() < 0.2:
            fb = w.true_bearing(*e.site, *e.origin) + rng.normal(0, 8.0) if rng.random() < 0.6 else None
            lon, lat = w.lonlat(e.site[0] + rng.normal(0, 20), e.site[1] + rng.normal(0, 20))
            t = e.time + timedelta(minutes=float(rng.uniform(5, 50)))
            self._emit({"observed_at": self._time(t, "minute"), "time_precision": "minute", "source_kind": "drone",
                        "source_id": f"uav-{rng.integers(1, 4)}", "type": "impact", "lat": lat, "lon": lon,
                        "location_precision_m": 30.0, "fire_bearing_deg": None if fb is None else _reported(fb, 1),
                        "grade": "A2", "weapon_class": e.weapon_class,
                        "narrative": "crater documented by UAV" + (" with direction of fire" if fb else "")},
                       e.id)  # fmt: skip
        victim = "B" if e.party == "A" else "A"
        if rng.random() < 0.5:
            self.complaint(victim, e.party, e.site, e.time + timedelta(minutes=float(rng.normal(0, 4))), e.id,
                           e.site_id is not None)  # fmt: skip

    def _monitor_fire(self, s: Sensor, e: Event, aspect: str, d: float, target: tuple[float, float]) -> None:
        rng, w = self.rng, self.world
        bearing = w.true_bearing(s.x, s.y, *target) + rng.normal(0, 4.0)
        compass = COMPASS_16[int(((bearing % 360) + 11.25) // 22.5) % 16]
        d_est = d * float(np.exp(rng.normal(0, 0.2)))
        lo, hi = next(((a, b) for a, b in DISTANCE_BANDS if a <= d_est < b), DISTANCE_BANDS[-1])
        t = e.time + timedelta(seconds=(d / SPEED_OF_SOUND_M_S) + float(rng.uniform(0, 20)))
        wc = e.weapon_class if rng.random() < 0.7 else None
        self._emit({"observed_at": self._time(t, "minute"), "time_precision": "minute",
                    "source_kind": "monitor_patrol", "source_id": f"{s.id}/monitor-{rng.integers(1, 3)}",
                    "source_group": s.group, **self._observer(s), "type": e.obs_type, "aspect": aspect,
                    "direction": compass, "distance_min_m": lo, "distance_max_m": hi, "weapon_class": wc,
                    "count": e.count, "grade": "B2",
                    "narrative": f"{'incoming' if aspect == 'impact' else 'outgoing'} {e.obs_type}"}, e.id)  # fmt: skip

    def complaint(self, party: str, accused: str, where: tuple[float, float], t: datetime, event: str | None,
                  protected: bool = False) -> None:  # fmt: skip
        rng = self.rng
        lon, lat = self.world.lonlat(where[0] + rng.normal(0, 500), where[1] + rng.normal(0, 500))
        kind = "protected_site_damage" if protected else "explosion"
        self._emit({"observed_at": self._time(t, "minute"), "time_precision": "minute",
                    "source_kind": "party_complaint", "source_id": f"liaison-{party}", "type": kind,
                    "aspect": "impact", "lat": lat, "lon": lon, "location_precision_m": 700.0,
                    "alleging_party": party, "accused_party": accused, "grade": "C3",
                    "narrative": f"Party {party} reports shelling by party {accused}"}, event)  # fmt: skip

    def sighting(self, e: Event) -> None:
        """Heavy weapons, movements, restrictions and activity: seen by patrols and drones on the spot."""
        rng, w = self.rng, self.world
        assert e.site is not None
        p_patrol = {"weapon": 0.55, "movement": 0.8, "restriction": 1.0, "activity": 0.85}[e.kind]
        p_drone = {"weapon": 0.5, "movement": 0.4, "restriction": 0.0, "activity": 0.3}[e.kind]
        for kind, p, sigma, grade in (("monitor_patrol", p_patrol, 150.0, "B2"), ("drone", p_drone, 30.0, "A2")):
            if rng.random() >= p:
                continue
            lon, lat = w.lonlat(e.site[0] + rng.normal(0, sigma), e.site[1] + rng.normal(0, sigma))
            t = e.time + timedelta(minutes=float(rng.uniform(0, 20)))
            self._emit({"observed_at": self._time(t, "minute"), "time_precision": "minute", "source_kind": kind,
                        "source_id": f"patrol-{rng.integers(1, 6)}" if kind == "monitor_patrol" else
                        f"uav-{rng.integers(1, 4)}", "type": e.obs_type, "lat": lat, "lon": lon,
                        "location_precision_m": sigma, "weapon_class": e.weapon_class, "count": e.count,
                        "subject_party": e.party if e.kind == "restriction" else None, "grade": grade,
                        "narrative": f"{e.obs_type.replace('_', ' ')} observed"}, e.id)  # fmt: skip
