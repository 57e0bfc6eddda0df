"""Consensus seeds for the assignment step: groups of precise bearings one launch explains, found by how
many bearings agree rather than by the order in which the sounds arrived.

Inside a component the gates could not settle, the greedy pass pairs a bearing with the first one it
crosses. Where two launches were seconds apart, the first two sounds to arrive may be one of each: their
crossing is a ghost, the launches' other bearings miss it and form groups of their own, and the ghost's
pair is located where nothing was fired. Here every pair of precise bearings (timed to the second) from
two sensors that cross in front of both, within reach, and — both timed — where their arrival times imply
one firing moment, is a hypothesis. It counts the bearings of its component that pass within three sigma
of its crossing (the crossing's own error along each ray included), within their sensors' reach and, by
their times, at its moment. The hypothesis with most — three or more — is fitted on those bearings by
maximum likelihood, and seeds a group when that fit explains every one of them: each residual under
`OUTLIER_SIGMAS`, the group's χ² under its limit, none placed elsewhere. Its bearings leave the pool and
the component's next best hypothesis is taken, until none counts three or a component has seen
`MAX_REFUTED` hypotheses refuted. All components go in lockstep, one batched fit per round.
"""

from __future__ import annotations

import math

import numpy as np

from trucewatch.domain.enums import SPEED_OF_SOUND_M_S, Aspect
from trucewatch.fusion.batch import (
    OUTLIER_SIGMAS,
    MeasurementArrays,
    chi2_limit,
    elsewhere,
    localize_batch,
    normalized_residuals_batch,
)
from trucewatch.fusion.measure import ARRIVAL_SIGMA_S, Measurement, ObsView, crossing, crossing_sine, firing_gap
from trucewatch.fusion.table import arrays

HYPOTHESIS_SIGMAS = 3.0  # a bearing counts for a hypothesis when it passes this close to its crossing
PAIR_GAP_CHI2 = 10.83  # two timed bearings' firing times agree (99.9 %, one degree of freedom)
WEAK_ALONG_SHARE = 0.1  # a crossing placed no better than this share of its distance is weak: tried last
MAX_REFUTED = 6  # hypotheses a component may see refuted by their fit before its seeding stops
ROWS_AT_ONCE = 1 << 21  # (hypothesis, bearing) rows counted at once


class _Bearings:
    """The precise origin bearings of the components being seeded, one row each, grouped by component."""

    def __init__(self, components: list[list[ObsView]], precise_tau: float) -> None:
        self.views: list[ObsView] = []
        self.measurements: list[Measurement] = []
        comp: list[int] = []
        for ci, views in enumerate(components):
            mine = []
            for v in views:
                origin = [m for m in v.measurements if m.aspect == Aspect.ORIGIN]
                if v.tau <= precise_tau and not v.coarse and len(origin) == 1 and origin[0].ray is not None:
                    mine.append((v, origin[0]))
            if len(mine) >= 3:
                self.views += [v for v, _ in mine]
                self.measurements += [m for _, m in mine]
                comp += [ci] * len(mine)
        self.comp = np.asarray(comp, dtype=np.int64)
        # the solver's rows of these bearings: their columns are the ones counted here, and the fits' input
        self.table = arrays(self.measurements, [0] * len(self.measurements))
        t = self.table
        self.ox, self.oy, self.theta, self.sigma, self.r_hi = t.x, t.y, t.theta, t.sigma, t.r_hi
        self.arrival = t.arrival
        n = len(self.views)
        self.r_lo = np.fromiter((m.ray.r_lo for m in self.measurements if m.ray is not None), dtype=float, count=n)
        self.t = np.fromiter((v.t for v in self.views), dtype=float, count=n)
        self.tau = np.fromiter((v.tau for v in self.views), dtype=float, count=n)
        codes: dict[str, int] = {}
        self.source = np.fromiter((codes.setdefault(v.report.source_id, len(codes)) for v in self.views),
                                  dtype=np.int64, count=n)  # fmt: skip

    def __len__(self) -> int:
        return len(self.views)


class _Hypotheses:
    """Crossings of pairs of bearings of one component: where, when, and how well they are placed."""

    def __init__(self, b: _Bearings) -> None:
        starts = np.flatnonzero(np.r_[True, b.comp[1:] != b.comp[:-1]]) if len(b) else np.zeros(0, dtype=np.int64)
        sizes = np.diff(np.r_[starts, len(b)])
        pairs = [np.triu_indices(n, 1) for n in sizes.tolist()]
        i = np.concatenate([p[0] + s for p, s in zip(pairs, starts.tolist(), strict=True)] or [np.zeros(0, int)])
        j = np.concatenate([p[1] + s for p, s in zip(pairs, starts.tolist(), strict=True)] or [np.zeros(0, int)])
        ua0, ua1, ub0, ub1 = np.sin(b.theta[i]), np.cos(b.theta[i]), np.sin(b.theta[j]), np.cos(b.theta[j])
        det = crossing_sine(ua0, ua1, ub0, ub1)
        bx, by = b.ox[j] - b.ox[i], b.oy[j] - b.oy[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            s, u = crossing(ua0, ua1, ub0, ub1, bx, by, det)
            along = np.hypot(s * b.sigma[i], u * b.sigma[j]) / np.abs(det)
        ok = (np.abs(det) >= 1e-3) & (b.source[i] != b.source[j])
        ok &= (b.r_lo[i] * 0.5 <= s) & (s <= b.r_hi[i] * 1.1) & (b.r_lo[j] * 0.5 <= u) & (u <= b.r_hi[j] * 1.1)
        fired_i, fired_j = b.arrival[i] - s / SPEED_OF_SOUND_M_S, b.arrival[j] - u / SPEED_OF_SOUND_M_S
        gap, var = firing_gap(b.arrival[i], s, b.sigma[i], b.arrival[j], u, b.sigma[j], det)
        ok &= ~(np.nan_to_num(gap * gap, nan=0.0) > PAIR_GAP_CHI2 * var)  # NaN (not both timed) passes
        fired = np.where(np.isnan(fired_i), fired_j, np.where(np.isnan(fired_j), fired_i, (fired_i + fired_j) / 2))
        dated = ~np.isnan(fired)
        # when: the firing moment where a sound dates it (give or take four of its errors), else the span of
        # the two reports' own tolerances
        when = np.where(dated, fired, (b.t[i] + b.t[j]) / 2)
        slack = np.where(dated, 4 * np.hypot(ARRIVAL_SIGMA_S, along / SPEED_OF_SOUND_M_S), (b.tau[i] + b.tau[j]) / 2)
        for k in (i, j):  # an untimed report of the pair must itself be at that moment
            ok &= ~np.isnan(b.arrival[k]) | (np.abs(b.t[k] - when) <= b.tau[k] + slack)
        ok &= np.isfinite(along)
        keep = np.flatnonzero(ok)
        self.i, self.j = i[keep], j[keep]
        self.x, self.y = b.ox[self.i] + s[keep] * ua0[keep], b.oy[self.i] + s[keep] * ua1[keep]
        self.along, self.when, self.slack = along[keep], when[keep], slack[keep]
        # a crossing placed along the rays no better than this share of its distance says little of where
        self.weak = along[keep] > WEAK_ALONG_SHARE * np.minimum(s, u)[keep]
        self.first = starts  # where each component's bearings begin, and how many it has
        self.size = sizes
        # each hypothesis's component, numbered among those seeded
        self.slot = np.searchsorted(b.comp[starts], b.comp[self.i]) if len(keep) else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.i)

    def supporters(self, b: _Bearings) -> tuple[np.ndarray, np.ndarray]:
        """Every (hypothesis, bearing) pair that agrees, as two arrays ordered by hypothesis, then sensor, then
        how near the bearing passes: a sensor that reported twice has its nearer report first."""
        reps = self.size[self.slot]
        hs: list[np.ndarray] = []
        ks: list[np.ndarray] = []
        lo = 0
        while lo < len(self):
            hi = lo + max(1, int(np.searchsorted(np.cumsum(reps[lo:]), ROWS_AT_ONCE)))
            h = np.repeat(np.arange(lo, hi), reps[lo:hi])
            k = (
                self.first[self.slot[h]]
                + np.arange(len(h))
                - np.repeat(np.cumsum(reps[lo:hi]) - reps[lo:hi], reps[lo:hi])
            )
            miss = self._miss(b, h, k)
            agree = np.flatnonzero(miss <= 1.0)
            agree = agree[np.lexsort((miss[agree], b.source[k[agree]], h[agree]))]
            hs.append(h[agree])
            ks.append(k[agree])
            lo = hi
        empty = np.zeros(0, dtype=np.int64)
        return np.concatenate(hs) if hs else empty, np.concatenate(ks) if ks else empty

    def _miss(self, b: _Bearings, h: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Per (hypothesis, bearing) row, how far the bearing misses the hypothesis as a share of what it may
        (its angle off the crossing, by `HYPOTHESIS_SIGMAS` of its own and the crossing's errors): 1 or less
        agrees. Infinite where its sensor could not have sensed the crossing, or its time places the launch at
        another moment."""
        dx, dy = self.x[h] - b.ox[k], self.y[h] - b.oy[k]
        rho = np.maximum(np.hypot(dx, dy), 1.0)
        nu = (b.theta[k] - np.arctan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi
        miss = np.abs(nu) / (HYPOTHESIS_SIGMAS * np.hypot(b.sigma[k], self.along[h] / rho))
        timed = ~np.isnan(b.arrival[k])
        at = np.where(timed, b.arrival[k] - rho / SPEED_OF_SOUND_M_S, b.t[k])  # when it says the launch was
        far = (rho < b.r_lo[k] * 0.5) | (rho > b.r_hi[k] * 1.1)
        far |= np.abs(at - self.when[h]) > np.where(timed, 0.0, b.tau[k]) + self.slack[h]
        miss[far] = np.inf
        return miss


def consensus_seeds(components: list[list[ObsView]], precise_tau: float) -> list[list[list[ObsView]]]:
    """Per component, the groups of its precise bearings that seed clusters, each group in time order."""
    b = _Bearings(components, precise_tau)
    out: list[list[list[ObsView]]] = [[] for _ in components]
    if not len(b):
        return out
    hyp = _Hypotheses(b)
    sup_h, sup_k = hyp.supporters(b)
    sensor = sup_h * (int(b.source.max()) + 1) + b.source[sup_k]  # one key per (hypothesis, sensor)
    free = np.ones(len(b), dtype=bool)
    refuted = np.zeros(len(hyp), dtype=bool)
    refusals = np.zeros(len(hyp.size), dtype=np.int64)
    while True:
        # each hypothesis's support as it stands: of each sensor, its nearest bearing still free (a sensor
        # reporting twice heard two launches)
        live = np.flatnonzero(free[sup_k])
        live = live[np.r_[True, sensor[live[1:]] != sensor[live[:-1]]]] if len(live) else live
        owner, member = sup_h[live], sup_k[live]
        count = np.bincount(owner, minlength=len(hyp))
        cand = np.flatnonzero(~refuted & free[hyp.i] & free[hyp.j] & (count >= 3) & (refusals[hyp.slot] < MAX_REFUTED))
        if not len(cand):
            break
        # per component its best: a well-placed crossing before a weak one, then most support, then the
        # best placed
        cand = cand[np.lexsort((cand, hyp.along[cand], -count[cand], hyp.weak[cand], hyp.slot[cand]))]
        first = np.r_[True, hyp.slot[cand[1:]] != hyp.slot[cand[:-1]]]
        best = cand[first]
        start = np.searchsorted(owner, np.arange(len(hyp) + 1))  # where each hypothesis's members begin
        groups = [np.sort(member[start[h] : start[h + 1]]) for h in best.tolist()]
        ok = _explained(b.table, groups)
        rivals = np.split(cand, np.flatnonzero(first)[1:])  # each component's candidates, best first
        for h, g, good, others in zip(best.tolist(), groups, ok.tolist(), rivals, strict=True):
            if good:
                free[g] = False
                members = sorted((b.views[k] for k in g.tolist()), key=lambda v: (v.t, v.report.id))
                out[int(b.comp[g[0]])].append(members)
                continue
            refusals[hyp.slot[h]] += 1
            # the same bearings gathered by another crossing would be refuted again: refuted with it
            same = [r for r in others.tolist()
                    if count[r] == len(g) and np.array_equal(np.sort(member[start[r] : start[r + 1]]), g)]  # fmt: skip
            refuted[same] = True
    return out


def _explained(table: MeasurementArrays, groups: list[np.ndarray]) -> np.ndarray:
    """Fit each group of bearings (rows of `table`) in one batch: per group whether its fit explains every
    one of them — each residual under `OUTLIER_SIGMAS`, its χ² under the limit, none placed elsewhere. (A
    group it does not explain is not trimmed to those it does: on launches a kilometre apart, that kept
    three bearings of two launches that happened to agree.)"""
    rows = np.concatenate(groups)
    of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    sub = table.take(rows, of)
    est = localize_batch(sub, len(groups))
    fits = normalized_residuals_batch(sub, est.x, est.y) <= OUTLIER_SIGMAS
    fits &= ~elsewhere(sub, np.arange(len(sub)), est, of)
    misses = np.bincount(of, weights=(~fits).astype(float), minlength=len(groups))
    return (misses == 0) & (est.chi2 <= chi2_limit(est.dof))
