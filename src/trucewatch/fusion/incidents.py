"""Turn clusters into Incident models: stable ids, dominant type, estimates as lat/lon plus ellipse."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime

import numpy as np

from trucewatch.agreement.projection import Projector
from trucewatch.domain.enums import Aspect, ObservationType, WeaponClass
from trucewatch.domain.results import Incident, LocationEstimate, computed
from trucewatch.fusion.associate import Cluster

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


def build_all(clusters: list[Cluster], projector: Projector) -> list[Incident]:
    """Incidents for these clusters; every estimate's position goes to longitude and latitude, and every
    published number is rounded (degrees to 6 decimals, metres to 2, square metres to 3), column by column."""
    ends = [(c.estimates.get(Aspect.ORIGIN), c.estimates.get(Aspect.IMPACT) or c.estimates.get(Aspect.SITE))
            for c in clusters]  # fmt: skip
    located = [e for pair in ends for e in pair if e is not None and e.c00 < 1e9]
    x, y = np.array([e.x for e in located]), np.array([e.y for e in located])
    lon, lat = projector.to_lonlat(x, y)
    c00, c01, c11 = (np.round(np.array([getattr(e, k) for e in located]), 3).tolist() for k in ("c00", "c01", "c11"))
    columns = zip(located, np.round(lat, 6).tolist(), np.round(lon, 6).tolist(), np.round(x, 2).tolist(),
                  np.round(y, 2).tolist(), c00, c01, c11, strict=True)  # fmt: skip
    where = {id(e): computed(LocationEstimate, lat=la, lon=lo, x=ex, y=ey, cov=((a, b), (b, d)), method=e.method,
                             n_measurements=e.n)
             for e, la, lo, ex, ey, a, b, d in columns}  # fmt: skip
    return [_incident(c, where.get(id(o)) if o else None, where.get(id(s)) if s else None)
            for c, (o, s) in zip(clusters, ends, strict=True)]  # fmt: skip


def _incident(cluster: Cluster, origin: LocationEstimate | None, site: LocationEstimate | None) -> Incident:
    reports = [v.report for v in cluster.members]
    ids = sorted(o.id for o in reports)
    types = {o.type for o in reports}
    kind = next(t for t in TYPE_PRIORITY if t in types)
    classes = Counter(o.weapon_class for o in reports if o.weapon_class and o.weapon_class != WeaponClass.UNKNOWN)
    counts = [o.count for o in reports if o.count]
    times = sorted(o.observed_at for o in reports)
    return computed(
        Incident,
        id=incident_id(ids),
        observation_ids=tuple(ids),
        type=kind.value,
        family=kind.family,
        start=times[0].astimezone(UTC),
        end=times[-1].astimezone(UTC),
        origin=origin,
        site=site,
        weapon_class=classes.most_common(1)[0][0] if classes else None,
        count=max(counts) if counts else None,
    )


def sort_key(i: Incident) -> tuple[datetime, str]:
    return (i.start, i.id)
