"""Turn clusters into Incident models: stable ids, dominant type, estimates as lat/lon plus ellipse."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime

from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import Aspect, ObservationType, WeaponClass
from trucewatch.domain.results import Incident, LocationEstimate
from trucewatch.fusion.associate import Cluster
from trucewatch.fusion.localize import Estimate

# When reports of one event disagree on type, the most specific one names the incident.
TYPE_PRIORITY = [
    ObservationType.PROTECTED_SITE_DAMAGE, ObservationType.AIR_STRIKE, ObservationType.CIVILIAN_HARM,
    ObservationType.IMPACT, ObservationType.ARMED_CLASH, ObservationType.EXPLOSION, ObservationType.MUZZLE_FLASH,
    ObservationType.PROJECTILE, ObservationType.BURSTS, ObservationType.THERMAL_ANOMALY,
    ObservationType.ILLUMINATION_FLARE, ObservationType.HEAVY_WEAPON, ObservationType.TROOP_MOVEMENT,
    ObservationType.RESUPPLY, ObservationType.MOBILISATION, ObservationType.TRAINING,
    ObservationType.MOVEMENT_RESTRICTION, ObservationType.SENSOR_INTERFERENCE,
]  # fmt: skip


def incident_id(obs_ids: list[str]) -> str:
    return "I-" + hashlib.sha256("\n".join(sorted(obs_ids)).encode()).hexdigest()[:16]


def to_location(est: Estimate | None, projector: Projector) -> LocationEstimate | None:
    if est is None or est.cov[0, 0] >= 1e9:
        return None
    lon, lat = projector.to_lonlat(est.x, est.y)
    c = est.cov
    return LocationEstimate(
        lat=round(float(lat), 6), lon=round(float(lon), 6), x=round(est.x, 2), y=round(est.y, 2),
        cov=((round(float(c[0, 0]), 3), round(float(c[0, 1]), 3)),
             (round(float(c[1, 0]), 3), round(float(c[1, 1]), 3))),
        method=est.method, n_measurements=est.n,
    )  # fmt: skip


def build(cluster: Cluster, projector: Projector) -> Incident:
    obs = [v.obs for v in cluster.members]
    ids = sorted(o.id for o in obs)
    types = {o.type for o in obs}
    kind = next(t for t in TYPE_PRIORITY if t in types)
    classes = Counter(o.weapon_class for o in obs if o.weapon_class and o.weapon_class != WeaponClass.UNKNOWN)
    counts = [o.count for o in obs if o.count]
    times = sorted(o.observed_at for o in obs)
    site = cluster.estimates.get(Aspect.IMPACT) or cluster.estimates.get(Aspect.SITE)
    return Incident(
        id=incident_id(ids),
        observation_ids=tuple(ids),
        type=kind.value,
        family=kind.family,
        start=times[0].astimezone(UTC),
        end=times[-1].astimezone(UTC),
        origin=to_location(cluster.estimates.get(Aspect.ORIGIN), projector),
        site=to_location(site, projector),
        weapon_class=classes.most_common(1)[0][0] if classes else None,
        count=max(counts) if counts else None,
    )


def sort_key(i: Incident) -> tuple[datetime, str]:
    return (i.start, i.id)
