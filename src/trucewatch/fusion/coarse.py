"""Attach coarse reports (hour or day precision, place names) without inventing precision.

A coarse report joins the fine incident of its family whose time lies in the report's window and whose
position lies inside the report's own stated uncertainty; it never moves that incident's estimate.
Coarse reports that match nothing are grouped by ACLED's rule: same day, same place, same type.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime

import numpy as np

from trucewatch.fusion.associate import CHI2_2D, Cluster
from trucewatch.fusion.localize import localize
from trucewatch.fusion.measure import ObsView


def attach(coarse: list[ObsView], clusters: list[Cluster]) -> list[Cluster]:
    """Attach each coarse view to the best matching cluster; return new clusters for the rest."""
    by_family: dict[str, list[Cluster]] = defaultdict(list)
    for c in clusters:
        by_family[c.family].append(c)
    for fam in by_family:
        by_family[fam].sort(key=lambda c: c.t_min)
    leftovers: list[ObsView] = []
    for v in sorted(coarse, key=lambda v: (v.t, v.report.id)):
        best, best_c = math.inf, None
        p = v.primary.rough() if v.primary else None
        for c in by_family.get(v.family, []):
            if c.t_max < v.t - v.tau or c.t_min > v.t + v.tau:
                continue
            if p is None:
                continue
            est = next((e for e in c.estimates.values() if e is not None), None)
            if est is None:
                continue
            d = np.array([p.x - est.x, p.y - est.y])
            k = float(d @ np.linalg.solve(p.cov + est.cov, d))
            if k <= CHI2_2D and k < best:
                best, best_c = k, c
        if best_c is not None:
            best_c.members.append(v)  # joins the evidence, not the estimate
        else:
            leftovers.append(v)
    groups: dict[tuple[str, str, str], Cluster] = {}
    for v in leftovers:
        day = datetime.fromtimestamp(v.t, UTC).date().isoformat()
        p = v.primary.rough() if v.primary else None
        place = v.report.place.casefold() if v.report.place else (f"{p.x:.0f},{p.y:.0f}" if p else v.report.id)
        key = (day, place, v.report.type.value)
        c = groups.setdefault(key, Cluster())
        c.members.append(v)
        c.t_min, c.t_max, c.family = min(c.t_min, v.t), max(c.t_max, v.t), v.family
    for c in groups.values():
        for a in dict.fromkeys(m.aspect for v in c.members for m in v.measurements):  # in a fixed order
            c.estimates[a] = localize(c.measurements(a))
    return list(groups.values())
