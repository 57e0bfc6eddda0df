"""Clusters from components: one batched localisation for all of them, then a consistency check; only the
components the check rejects go through the greedy assignment step."""

from __future__ import annotations

import numpy as np

from trucewatch.domain.enums import WEAPON_RANGE_M, Aspect, WeaponClass
from trucewatch.fusion.associate import OUTLIER_SIGMAS, Cluster, finish, greedy, method_name
from trucewatch.fusion.batch import localize_batch, normalized_residuals_batch
from trucewatch.fusion.localize import Estimate
from trucewatch.fusion.measure import Measurement, ObsView
from trucewatch.fusion.partition import components
from trucewatch.fusion.table import arrays


def _conflict(comp: list[ObsView]) -> bool:
    seen: dict[str, ObsView] = {}
    for v in comp:
        first = seen.setdefault(v.obs.source_id, v)
        if first is not v and abs(first.t - v.t) > min(first.tau, v.tau):
            return True
    return False


def _solve(ms: list[Measurement], groups: list[int], n: int):  # type: ignore[no-untyped-def]
    table = arrays(ms, groups)
    est = localize_batch(table, n)
    worst = np.zeros(n)
    np.maximum.at(worst, table.group, normalized_residuals_batch(table, est.x, est.y))
    return est, worst


def cluster(views: list[ObsView]) -> list[Cluster]:
    fine = [v for v in views if not v.coarse and v.measurements]
    comps = components(fine)
    ms: list[Measurement] = []
    owner: list[ObsView] = []
    groups: list[int] = []
    per_comp: list[dict[Aspect, int]] = []
    ranged: list[bool] = []
    for comp in comps:
        aspects: dict[Aspect, int] = {}
        for v in comp:
            for m in v.measurements:
                g = aspects.setdefault(m.aspect, len(ranged))
                if g == len(ranged):
                    ranged.append(False)
                ranged[g] = ranged[g] or bool(m.ray is not None and m.ray.ranged)
                ms.append(m)
                owner.append(v)
                groups.append(g)
        per_comp.append(aspects)
    if not ms:
        return []
    est, worst = _solve(ms, groups, len(ranged))
    # a single wild report in an otherwise consistent group is an outlier, not a reason to give up
    res = normalized_residuals_batch(arrays(ms, groups), est.x, est.y)
    bad_count = np.bincount(groups, weights=(res > OUTLIER_SIGMAS).astype(float), minlength=len(ranged))
    size = np.bincount(groups, minlength=len(ranged))
    wild = {int(k) for k in np.flatnonzero((bad_count == 1) & (size >= 4))}
    if wild:
        for k in np.flatnonzero(res > OUTLIER_SIGMAS):
            if groups[k] in wild:
                owner[k].outlier = True
        keep = [k for k in range(len(ms)) if not owner[k].outlier]
        est, worst = _solve([ms[k] for k in keep], [groups[k] for k in keep], len(ranged))
    clusters: list[Cluster] = []
    for ci, comp in enumerate(comps):
        aspects = per_comp[ci]
        if sum(v.outlier for v in comp) > 1:
            for v in comp:
                v.outlier = False
            clusters += greedy(comp)
            continue
        clean = not _conflict(comp) and all(worst[g] <= OUTLIER_SIGMAS or len(comp) == 1 for g in aspects.values())
        if clean and Aspect.ORIGIN in aspects and (Aspect.IMPACT in aspects):
            o, i = aspects[Aspect.ORIGIN], aspects[Aspect.IMPACT]
            reach = max(WEAPON_RANGE_M[v.obs.weapon_class or WeaponClass.UNKNOWN] for v in comp)
            clean = bool(np.hypot(est.x[o] - est.x[i], est.y[o] - est.y[i]) <= reach * 1.2)
        if not clean:
            for v in comp:
                v.outlier = False
            clusters += greedy(comp)
            continue
        c = Cluster(members=list(comp), t_min=comp[0].t, t_max=max(v.t for v in comp), family=comp[0].family,
                    sources={v.obs.source_id: v.t for v in comp},
                    reach=max(WEAPON_RANGE_M[v.obs.weapon_class or WeaponClass.UNKNOWN] for v in comp))  # fmt: skip
        for a, g in aspects.items():
            cov = est.cov[g]
            c.estimates[a] = Estimate(float(est.x[g]), float(est.y[g]), cov.copy(),
                                      method_name(int(est.n_points[g]), int(est.n_rays[g]), ranged[g]),
                                      int(est.n_points[g] + est.n_rays[g]), float(est.chi2[g]))  # fmt: skip
        clusters.append(c)
    return finish(clusters)
