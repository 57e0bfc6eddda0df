"""Ground-truth events of a simulated truce: fire, heavy weapons, movements, restrictions, activity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np

from trucewatch.domain.enums import WEAPON_RANGE_M, WeaponClass
from trucewatch.scenario.world import World

PARTIES = ("A", "B")
# Fire events per day: the two parties violate at different rates, and both escalate as the truce ages.
FIRE_RATE = {"A": 3.0, "B": 6.0}
ESCALATION = 0.5  # the last day's rate is (1 + ESCALATION) times the first day's
FIRE_WEAPONS = (("mortar", 0.4), ("artillery", 0.3), ("tank", 0.12), ("mlrs", 0.08), ("small_arms", 0.1))
PROTECTED_STRIKE_SHARE = 0.06
# Guns are not fired from the contact line itself: a fire position lies at least this far behind it. The
# attribution assumes nothing of the kind (a flat prior up to the line), so near the line it states less
# than it could: of the positions it finds within a few hundred metres of the line, more lie well inside
# an area than the flat prior supposes. With a standoff of 0, its statements are calibrated there too
# (`benchmarks/fusion.py --standoff 0`).
FIRE_STANDOFF_M = 300.0


@dataclass
class Event:
    id: str
    kind: str  # fire | weapon | movement | restriction | activity
    party: str
    time: datetime
    violation: bool
    obligations: list[str]
    weapon_class: str | None = None
    origin: tuple[float, float] | None = None  # metric
    site: tuple[float, float] | None = None  # impact, or where the thing is
    obs_type: str | None = None
    site_id: str | None = None
    count: int = 1

    def to_json(self, world: World) -> dict[str, object]:
        d = asdict(self)
        d["time"] = self.time.isoformat()
        for key in ("origin", "site"):
            p = getattr(self, key)
            if p is not None:
                lon, lat = world.lonlat(*p)
                d[key] = {"x": p[0], "y": p[1], "lon": lon, "lat": lat}
        return d


def _other(p: str) -> str:
    return "B" if p == "A" else "A"


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*table, strict=True)
    w = np.array(weights) / sum(weights)
    return str(rng.choice(names, p=w))


def generate_events(
    world: World, start: datetime, days: int, density: float = 1.0, standoff: float = FIRE_STANDOFF_M
) -> list[Event]:
    """The truce's events; `density` multiplies the rates of fire and weapon events (1: the default mix),
    `standoff` is the least distance of a fire position from the contact line."""
    rng = world.rng
    events: list[Event] = []
    sites_by_party = {p: [s for s in world.ag.protected_sites if world.ag.party_at(*_xy(s)) == p] for p in PARTIES}

    def when(day: int) -> datetime:
        return start + timedelta(days=day, seconds=float(rng.uniform(0, 86400)))

    def add(kind: str, party: str, t: datetime, violation: bool, obligations: list[str], **kw: object) -> None:
        events.append(Event(f"E{len(events):05d}", kind, party, t, violation, obligations, **kw))  # type: ignore[arg-type]

    for day in range(days):
        scale = 1.0 + ESCALATION * day / max(days - 1, 1)
        for party in PARTIES:
            for _ in range(rng.poisson(FIRE_RATE[party] * scale * density)):
                wc = _pick(rng, FIRE_WEAPONS)
                reach = min(WEAPON_RANGE_M[WeaponClass(wc)], 20_000)
                origin = world.sample_in(party, standoff, max(reach * 0.5, 600, 2 * standoff))
                victim = _other(party)
                obligations = ["CF-1"]
                site_id = None
                if sites_by_party[victim] and rng.random() < PROTECTED_STRIKE_SHARE:
                    s = sites_by_party[victim][rng.integers(len(sites_by_party[victim]))]
                    cx, cy = _xy(s)
                    impact = (cx + rng.normal(0, 80), cy + rng.normal(0, 80))
                    origin = world.sample_in(party, 1000, 6000)
                    wc = "artillery"
                    obligations.append("CF-3")
                    site_id = s.id
                else:
                    impact = world.target_from(origin, victim, reach if wc != "small_arms" else 1200)
                obs_type = "bursts" if wc == "small_arms" else "explosion"
                add("fire", party, when(day), True, obligations, weapon_class=wc, origin=origin, site=impact,
                    obs_type=obs_type, site_id=site_id, count=int(rng.integers(1, 12)))  # fmt: skip
            # heavy weapons: some inside their withdrawal zone (violation), some beyond or in storage
            for _ in range(rng.poisson(0.8 * density)):
                wc = _pick(rng, (("mortar", 0.3), ("tank", 0.3), ("artillery", 0.3), ("mlrs", 0.1)))
                limit = {"mortar": 15_000, "tank": 15_000, "artillery": 25_000, "mlrs": 35_000}[wc]
                inside = rng.random() < 0.6
                if inside:
                    pos = world.sample_in(party, 2000, limit - 1500)
                else:
                    store = [s for s in world.ag.storage_sites if s.party == party]
                    if store and (wc in ("artillery", "mlrs") or rng.random() < 0.5):
                        c = store[0].zone.centroid
                        pos = (c.x + rng.normal(0, 60), c.y + rng.normal(0, 60))
                    else:
                        pos = world.sample_in(party, limit + 1500, limit + 9000)
                add("weapon", party, when(day), inside, ["CF-2"] if inside else [], weapon_class=wc, site=pos,
                    obs_type="heavy_weapon", count=int(rng.integers(1, 6)))  # fmt: skip
            if rng.random() < 0.15:
                pos = world.sample_in(party, 0, 1200)
                add("movement", party, when(day), True, ["CF-4"], site=pos, obs_type="troop_movement")
            if rng.random() < 0.2:
                pos = world.sample_in(party, 1000, 12_000)
                add("restriction", party, when(day), True, ["CF-5"], site=pos, obs_type="movement_restriction")
            if rng.random() < 0.25:
                kind = _pick(rng, (("mobilisation", 0.4), ("training", 0.4), ("resupply", 0.2)))
                pos = world.sample_in(party, 5000, 20_000)
                add("activity", party, when(day), False, ["CF-6"] if kind == "resupply" else [], site=pos,
                    obs_type=kind)  # fmt: skip
    events.sort(key=lambda e: e.time)
    for i, e in enumerate(events):
        e.id = f"E{i:05d}"
    return events


def _xy(site: object) -> tuple[float, float]:
    c = site.zone.centroid  # type: ignore[attr-defined]
    return float(c.x), float(c.y)
