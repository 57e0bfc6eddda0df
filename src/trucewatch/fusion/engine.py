"""Clusters from components: one batched localisation for all of them, then a consistency check; only the
components the check rejects go through the greedy assignment step."""

from __future__ import annotations

import math

import numpy as np

from trucewatch.domain.enums import Aspect
from trucewatch.fusion.associate import Cluster, finish, greedy_all, refit_all
from trucewatch.fusion.batch import (
    OUTLIER_SIGMAS,
    BatchEstimate,
    MeasurementArrays,
    chi2_limit,
    elsewhere,
    localize_batch,
    normalized_residuals_batch,
)
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.measure import Measurement, ObsView
from trucewatch.fusion.partition import components
from trucewatch.fusion.table import arrays


def _conflict(comp: list[ObsView]) -> bool:
    seen: dict[str, ObsView] = {}
    for v in comp:
        first = seen.setdefault(v.report.source_id, v)
        if first is not v and abs(first.t - v.t) > min(first.tau, v.tau):
            return True
    return False


def _solve(table: MeasurementArrays, n: int):  # type: ignore[no-untyped-def]
    """The batched fit, and per group how badly it fits: the worst single residual in sigmas, made
    infinite when the group's χ² shows the position explains its measurements only jointly badly (several
    at 3σ each — a wild bearing that dragged the fit to itself)."""
    est = localize_batch(table, n)
    worst = np.zeros(n)
    np.maximum.at(worst, table.group, normalized_residuals_batch(table, est.x, est.y))
    sizes = np.bincount(table.group, minlength=n)
    worst[(sizes > 1) & (est.chi2 > chi2_limit(est.dof))] = np.inf
    return est, worst


SEARCH_ALL_UP_TO = 6  # groups of up to this many reports try leaving out each
SEARCH_WORST = 3  # larger ones, the reports their joint fit explains worst


def _wild_reports(table: MeasurementArrays, est: BatchEstimate, worst: np.ndarray, n: int) -> list[int]:
    """The one wild measurement of each group no single position explains, found by leaving each out in turn.

    A wild bearing drags a joint fit towards itself, so the fit's residuals do not reliably single it out;
    refitting without each member does: the group is explained once the wild one is gone, and only then.
    What is left must still be able to disagree: four or more measurements (three rays always meet in
    pairs), or three bearings that are all timed (two rays and the difference of their arrival times over-
    determine a position). In a large group one wild report cannot drag the robust joint fit (`est`) far,
    so only the few it explains worst are tried. Where leaving out any of several reports explains the
    rest, the likeliest explanation (least χ²) is taken; where none does, the group is left to the greedy
    assignment. All variants of all groups are built with index arithmetic and solved in one batch.
    """
    group = table.group
    sizes = np.bincount(group, minlength=n)
    timed = np.bincount(table.timed_group, minlength=n)
    dirty = (worst > OUTLIER_SIGMAS) & ((sizes >= 4) | ((sizes == 3) & (timed == 3)))
    rows = np.flatnonzero(dirty[group])  # measurement indices, in order
    if not len(rows):
        return []
    rows = rows[np.argsort(group[rows], kind="stable")]  # by group, each group's in order
    g_rows = group[rows]
    start = np.searchsorted(g_rows, g_rows)  # per row, where its group's rows begin
    # which to leave out: every member of a small group; of a large one (where one wild report cannot drag
    # the robust joint fit far), the few the joint fit explains worst
    res = normalized_residuals_batch(table.take(rows, g_rows), est.x, est.y)
    by_res = np.lexsort((-res, g_rows))
    rank = np.empty(len(rows), dtype=np.int64)
    rank[by_res] = np.arange(len(rows)) - start[by_res]
    out = np.flatnonzero((sizes[g_rows] <= SEARCH_ALL_UP_TO) | (rank < SEARCH_WORST))  # positions in `rows`
    g_of = g_rows[out]
    k = sizes[g_of]  # each variant (one per report left out) is evaluated on all k of its group
    variant = np.repeat(np.arange(len(out)), k)
    slot = start[out][variant] + np.arange(len(variant)) - np.repeat(np.cumsum(k) - k, k)
    is_out = slot == out[variant]  # the evaluated report is the one this variant leaves out
    fit = localize_batch(table.take(rows[slot[~is_out]], variant[~is_out]), len(out))
    whole = table.take(rows[slot], variant)
    res = normalized_residuals_batch(whole, fit.x, fit.y)
    others = np.zeros(len(out))
    np.maximum.at(others, variant[~is_out], res[~is_out])
    left_out = res[is_out]
    ok = (fit.chi2 <= chi2_limit(fit.dof)) & (others <= OUTLIER_SIGMAS) & (left_out > OUTLIER_SIGMAS)
    ok &= ~elsewhere(table, rows[out], fit, np.arange(len(out)))
    explained = np.flatnonzero(ok)
    # where several single reports could be the wild one, the likeliest explanation (least χ²) wins
    best = explained[np.lexsort((explained, fit.chi2[explained], g_of[explained]))]
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = g_of[best[1:]] != g_of[best[:-1]]
    return [int(i) for i in rows[out[best[keep]]]]


def _resolve(table: MeasurementArrays, est: BatchEstimate, worst: np.ndarray, wild: np.ndarray
             ) -> tuple[BatchEstimate, np.ndarray]:  # fmt: skip
    """`_solve`'s answer once the wild rows are left out: only their groups are solved again (each group's
    fit is its own, whatever else is in the batch); the others keep theirs."""
    changed = np.unique(table.group[wild])
    renumber = np.full(len(worst), -1, dtype=np.int64)
    renumber[changed] = np.arange(len(changed))
    rows = np.flatnonzero(renumber[table.group] >= 0)
    rows = rows[~np.isin(rows, wild)]
    sub, sub_worst = _solve(table.take(rows, renumber[table.group[rows]]), len(changed))
    fields = {f: getattr(est, f).copy() for f in BatchEstimate.__dataclass_fields__}
    for f, values in fields.items():
        values[changed] = getattr(sub, f)
    worst = worst.copy()
    worst[changed] = sub_worst
    return BatchEstimate(**fields), worst


def cluster(views: list[ObsView]) -> list[Cluster]:
    fine = [v for v in views if not v.coarse and v.measurements]
    comps = components(fine)
    give_back()  # the candidate pairs' arrays
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
    table = arrays(ms, groups)
    est, worst = _solve(table, len(ranged))
    # a single wild report in an otherwise consistent group is an outlier, not a reason to give up
    wild = _wild_reports(table, est, worst, len(ranged))
    if wild:
        for k in wild:
            owner[k].outlier = True
        est, worst = _resolve(table, est, worst, np.array(wild, dtype=np.int64))
    fits, worst_of = est.estimates(ranged), worst.tolist()
    del table, est, worst, ms, owner, groups  # the greedy step and the post-passes hold their own
    give_back()  # the batched solves' arrays
    clusters: list[Cluster] = []
    ambiguous: list[list[ObsView]] = []  # for the greedy step: built report by report, checked whole below
    for ci, comp in enumerate(comps):
        aspects = per_comp[ci]
        if sum(v.outlier for v in comp) > 1:
            for v in comp:
                v.outlier = False
            ambiguous.append(comp)
            continue
        clean = not _conflict(comp) and all(worst_of[g] <= OUTLIER_SIGMAS or len(comp) == 1 for g in aspects.values())
        c = Cluster.of(comp) if clean else None
        if c is not None and Aspect.ORIGIN in aspects and (Aspect.IMPACT in aspects):
            o, i = fits[aspects[Aspect.ORIGIN]], fits[aspects[Aspect.IMPACT]]
            c = c if math.hypot(o.x - i.x, o.y - i.y) <= c.reach * 1.2 else None
        if c is None:
            for v in comp:
                v.outlier = False
            ambiguous.append(comp)
            continue
        c.estimates = {a: fits[g] for a, g in aspects.items()}
        clusters.append(c)
    assigned = greedy_all(ambiguous)
    give_back()
    checked = {id(c): len(c.members) for c in clusters}  # solved and found consistent above
    out = finish(clusters + assigned)
    # after finish: its merges can join a wild report's split-off cluster back in; a clean cluster they
    # left as it was needs no second look
    _drop_wild([c for c in out if checked.get(id(c)) != len(c.members)])
    return out


def _drop_wild(clusters: list[Cluster]) -> None:
    """Greedy clusters grow from their first reports: a wild bearing among those can steer the estimate
    so that later reports still pass its gate. Checked whole, such a cluster fails the χ² test, and the
    leave-one-out step names the wild report; it stays a member, as an outlier, and the cluster is refit."""
    ms: list[Measurement] = []
    owner: list[ObsView] = []
    groups: list[int] = []
    slot_of: list[Cluster] = []
    for c in clusters:
        for a in dict.fromkeys(m.aspect for v in c.members for m in v.measurements):  # in a fixed order
            mine = [(v, m) for v in c.members if not v.outlier for m in v.measurements if m.aspect == a]
            # four or more can be searched by their bearings; three only when all three are timed
            if len(mine) < 3 or (len(mine) == 3 and any(math.isnan(m.arrival) for _, m in mine)):
                continue
            for v, m in mine:
                ms.append(m)
                owner.append(v)
                groups.append(len(slot_of))
            slot_of.append(c)
    if not ms:
        return
    table = arrays(ms, groups)
    est, worst = _solve(table, len(slot_of))
    changed: dict[int, Cluster] = {}
    for k in _wild_reports(table, est, worst, len(slot_of)):
        c = slot_of[groups[k]]
        if id(c) not in changed:  # one outlier per cluster, as everywhere else
            owner[k].outlier = True
            changed[id(c)] = c
    refit_all(list(changed.values()))
