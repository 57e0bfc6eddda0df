"""Greedy assignment inside ambiguous components, and the post-passes over all clusters.

Time-ordered gating against each open cluster's own estimate, in two passes: first the reports timed to
the second (sensors, cameras), then the vaguer ones. A patrol's report stated to the minute comes, in
time order, before the sound of the launch it saw; placed first, it would seed a group that whatever
bearing arrived next joined, whichever launch that bearing heard.

Each observation is compared with the clusters still open in its time window and of its type family.
The gate is built from the observation's own uncertainty and the cluster's: Mahalanobis distance for
points, angular innovation for bearings, both with the cluster's covariance folded in, and for a timed
bearing the firing time its arrival implies against the cluster's. It joins the
cheapest cluster inside the gate, or opens a new one. Fine observations are grouped here; coarse ones
(hour or day precision, place names) attach afterwards without lending their vagueness to positions.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from trucewatch.domain.enums import SIGHTING_RANGE_M, SPEED_OF_SOUND_M_S, Aspect, ObservationType, SourceKind
from trucewatch.domain.results import LINE_ONLY
from trucewatch.fusion import footprint, point_gate
from trucewatch.fusion.batch import OUTLIER_SIGMAS, Estimate, launch_gap
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.measure import (
    CHI2_1D,
    CHI2_2D,
    CROSS_ASPECT_SLACK_M,
    Measurement,
    ObsView,
    crossing,
    crossing_sine,
    firing_gap,
    joint_reach,
)
from trucewatch.fusion.seeds import consensus_seeds

CROSS_ASPECT_COST = 8.0  # linking an origin report to an impact report is weaker evidence than two of one end
FAMILY_WINDOW_S = {"fire": 60.0, "flare": 60.0, "weapon": 3600.0, "movement": 3600.0, "access": 1800.0}
# Reports of an event's aftermath (a crater, damage, harm) are made after it: how long after they may be.
AFTERMATH_TYPES = {ObservationType.IMPACT, ObservationType.PROTECTED_SITE_DAMAGE, ObservationType.CIVILIAN_HARM}
AFTERMATH_LAG_S = 6 * 3600.0
# ...but most come within the hour: lateness costs as an exponential's −2 log density (mean an hour), so
# that of several earlier events a report fits as well, it goes to the latest, not to any within the lag
AFTERMATH_LATENESS_COST = 2.0 / 3600.0
VAGUE_TAU_S = 120.0  # reports vaguer in time than this (complaints, open sources) say little of when
# Reports timed to within this (sensors, cameras) are placed first; those timed to the minute or vaguer
# (patrols, drones, complaints) then join the groups the precise ones formed.
PRECISE_TAU_S = 30.0
# the longest a sound takes to reach a sensor that can hear it (an agreement may narrow a kind's reach, never widen it)
LATEST_SOUND_S = SIGHTING_RANGE_M[SourceKind.ACOUSTIC_SENSOR] / SPEED_OF_SOUND_M_S


@dataclass(slots=True)
class Cluster:
    members: list[ObsView] = field(default_factory=list)
    t_min: float = math.inf
    t_max: float = -math.inf
    family: str = ""
    sources: dict[str, float] = field(default_factory=dict)  # source id -> time reported
    estimates: dict[Aspect, Estimate | None] = field(default_factory=dict)
    reach: float = 0.0  # how far apart its ends may be (`joint_reach` over its members)
    weapon_known: bool = False  # a member names the weapon
    t_event: float = -math.inf  # the latest report of the event itself, not of its aftermath

    @property
    def t_end(self) -> float:
        """When the event was last reported: a crater documented hours later does not stretch the window in
        which reports of the event itself are taken (one that did let a camera's sighting five hours on join
        an evening's launch through the drone report of its crater)."""
        return self.t_event if self.t_event > -math.inf else self.t_max

    def measurements(self, aspect: Aspect) -> list[Measurement]:
        return [m for v in self.members if not v.outlier for m in v.measurements if m.aspect == aspect]

    @classmethod
    def of(cls, views: list[ObsView]) -> Cluster:
        """A cluster of these reports, as adding each in turn makes it (`add`), built at once: a million
        reports are grouped this way."""
        c = cls()
        if not views:
            return c
        c.members = list(views)
        times = [v.t for v in views]
        c.t_min, c.t_max = min(times), max(times)
        c.t_event = max((v.t for v in views if v.report.type not in AFTERMATH_TYPES), default=-math.inf)
        c.family = views[-1].family
        c.sources = {v.report.source_id: v.t for v in views}
        # `joint_reach` folded over the reports: the longest named reach where any names the weapon, else the
        # longest of all
        named = [v.reach for v in views if v.weapon_known]
        c.reach = max(named) if named else max(0.0, *(v.reach for v in views))
        c.weapon_known = bool(named)
        return c

    def add(self, v: ObsView) -> None:
        """Add a report; the estimates are left for a batched `refit_all` of every cluster that grew."""
        self.members.append(v)
        self.t_min, self.t_max = min(self.t_min, v.t), max(self.t_max, v.t)
        if v.report.type not in AFTERMATH_TYPES:
            self.t_event = max(self.t_event, v.t)
        self.family = v.family
        self.sources[v.report.source_id] = v.t
        self.reach = joint_reach(self.reach, self.weapon_known, v.reach, v.weapon_known)
        self.weapon_known |= v.weapon_known


def _point_cost(m: Measurement, est: Estimate) -> float:
    """The Mahalanobis cost of a report against an estimate, in closed form for 2×2 (called millions of
    times: numpy's per-call overhead would dominate)."""
    caa, cab, cbb = est.c00, est.c01, est.c11
    if m.ray is not None and not m.ray.ranged:
        r = m.ray
        dx, dy = est.x - r.ox, est.y - r.oy
        rho2 = max(dx * dx + dy * dy, 1.0)
        rho = math.sqrt(rho2)
        nu = (r.theta - math.atan2(dx, dy) + math.pi) % (2 * math.pi) - math.pi
        ja, jb = dy / rho2, -dx / rho2  # the bearing's gradient
        S = r.sigma**2 + ja * ja * caa + 2 * ja * jb * cab + jb * jb * cbb
        cost = nu * nu / S
        if rho > r.r_hi * 1.1 or rho < r.r_lo * 0.5:
            return math.inf
        return cost if cost <= CHI2_1D else math.inf
    p = m.rough()
    dx, dy = p.x - est.x, p.y - est.y
    paa, pab, pbb = p.c00, p.c01, p.c11
    a, b, d = paa + caa, pab + cab, pbb + cbb
    det = a * d - b * b
    if det == 0.0 or not math.isfinite(det):
        return math.inf
    cost = (d * dx * dx - 2 * b * dx * dy + a * dy * dy) / det
    return cost if cost <= CHI2_2D else math.inf


def _ray_pair_ok(a: Measurement, b: Measurement) -> bool:
    """Two unranged rays with no estimate yet: do they cross in front of both, within reach, and — when both
    are timed — at a place where their arrival times imply one moment of firing?"""
    ra, rb = a.ray, b.ray
    if ra is None or rb is None:
        return False
    ua0, ua1 = math.sin(ra.theta), math.cos(ra.theta)
    ub0, ub1 = math.sin(rb.theta), math.cos(rb.theta)
    det = crossing_sine(ua0, ua1, ub0, ub1)
    if abs(det) < 1e-3:
        return False
    bx, by = rb.ox - ra.ox, rb.oy - ra.oy
    s, u = crossing(ua0, ua1, ub0, ub1, bx, by, det)
    if not (ra.r_lo * 0.5 <= s <= ra.r_hi * 1.1 and rb.r_lo * 0.5 <= u <= rb.r_hi * 1.1):
        return False
    if math.isnan(a.arrival) or math.isnan(b.arrival):
        return True
    gap, var = firing_gap(a.arrival, s, ra.sigma, b.arrival, u, rb.sigma, det)
    return bool(gap * gap <= CHI2_1D * var)


def _time_cost(m: Measurement, est: Estimate) -> float:
    """For a timed bearing: the χ² (one degree of freedom) of the firing time its arrival implies at the
    cluster's estimate against the one the cluster's timed reports imply there; 0 when either side has no
    time."""
    if math.isnan(m.arrival) or math.isnan(est.fired):
        return 0.0
    r = m.ray
    assert r is not None
    dx, dy = est.x - r.ox, est.y - r.oy
    rho = max(math.hypot(dx, dy), 1.0)
    caa, cab, cbb = est.c00, est.c01, est.c11
    gap, var = launch_gap(m.arrival, rho, dx / rho, dy / rho, est.fired, est.timed, caa, cab, cbb)
    k = gap * gap / var
    return k if k <= CHI2_1D else math.inf


def _when(c: Cluster) -> tuple[float, float]:
    """When the cluster's event happened, as far as its reports say: the span of their times, narrowed, when
    its sound arrivals date the launch, to that moment (give or take three of its standard errors, which
    include the position's: a launch located only roughly is dated only roughly). Arrivals come up to a
    minute after the launch; a report of the event is timed against the launch."""
    origin = c.estimates.get(Aspect.ORIGIN)
    if origin is None or origin.fired != origin.fired:  # none, or not dated (NaN)
        return c.t_min, c.t_end
    spread = 3 * origin.fired_sigma
    return min(c.t_min, origin.fired - spread), min(c.t_end, origin.fired + spread)


def cost(v: ObsView, c: Cluster) -> float:
    """Cost of adding v to c; math.inf outside the gate."""
    if v.family != c.family:
        return math.inf
    window = FAMILY_WINDOW_S.get(v.family, 600.0) + v.tau
    if v.t - c.t_end > window and v.report.type not in AFTERMATH_TYPES:
        return math.inf  # too late even for the span of the cluster's reports (the launch is no later)
    lo, hi = _when(c)
    dt = max(lo - v.t, v.t - hi, 0.0)
    late = 0.0
    if v.report.type in AFTERMATH_TYPES and v.t > hi:
        late = v.t - hi
        dt = max(0.0, dt - AFTERMATH_LAG_S)  # a crater documented hours later still belongs
    if dt > window:
        return math.inf
    seen = c.sources.get(v.report.source_id)
    if seen is not None and abs(seen - v.t) > v.tau:
        return math.inf  # one sensor reporting twice at different times saw two events
    # the best of the report's measurements that can be checked against the cluster; any that contradicts it
    # (a crater's direction of fire pointing away from the cluster's origin) rules the report out, however
    # well another (the crater's place, within reach of that origin) agrees
    best = math.inf
    for m in v.measurements:
        k = _measurement_cost(m, v, c)
        if k is None:
            continue
        if k == math.inf:
            return k
        best = min(best, k)
    if best == math.inf:
        return best
    return best + (dt / window) ** 2 + late * AFTERMATH_LATENESS_COST


def _measurement_cost(m: Measurement, v: ObsView, c: Cluster) -> float | None:
    """One measurement of v against c: its cost, infinite outside the gate, None where c knows nothing it
    could be checked against."""
    est = c.estimates.get(m.aspect)
    if est is not None and est.c00 < 1e9:
        lone_ray = est.method == LINE_ONLY
        if lone_ray and m.ray is not None and not m.ray.ranged:
            other = c.measurements(m.aspect)
            return 4.0 if any(_ray_pair_ok(m, o) for o in other if o.ray is not None) else math.inf
        k = _point_cost(m, est)
        return k + _time_cost(m, est) if k < math.inf else k  # timed only inside the gate
    # only the other end of the event is known: plausible if within the weapon's reach
    checked = None
    for a, other in c.estimates.items():
        if a == m.aspect or other is None:
            continue
        p = m.rough()
        dist = math.hypot(p.x - other.x, p.y - other.y)
        slack = 3 * math.sqrt(max(p.c00 + p.c11, 0.0) + max(other.c00 + other.c11, 0.0))
        if dist <= joint_reach(c.reach, c.weapon_known, v.reach, v.weapon_known) + min(slack, CROSS_ASPECT_SLACK_M):
            return CROSS_ASPECT_COST
        checked = math.inf
    return checked


class _Walk:
    """One component's greedy pass, a report at a time: the precise reports in time order, then the vaguer
    ones in time order against every cluster the first pass formed (each taken up again when the second
    pass comes within its time horizon)."""

    HORIZON = max(FAMILY_WINDOW_S.values()) * 2 + AFTERMATH_LAG_S

    def __init__(self, views: list[ObsView], seeds: list[Cluster]) -> None:
        fine = [v for v in views if not v.coarse and v.measurements]
        precise = sorted((v for v in fine if v.tau <= PRECISE_TAU_S), key=lambda v: (v.t, v.report.id))
        self.order = precise + sorted((v for v in fine if v.tau > PRECISE_TAU_S), key=lambda v: (v.t, v.report.id))
        self.second = len(precise) if len(precise) < len(self.order) else -1  # where the second pass starts
        self.pos = 0
        self.open: list[Cluster] = []
        self.done: list[Cluster] = []
        # clusters not yet in the pass's time horizon, latest first: the seeds, then in the second pass all
        self.waiting = sorted(seeds, key=_first, reverse=True)

    def step(self) -> Cluster | None:
        """Place the next report; return the cluster whose estimate it changed, if any."""
        if self.pos == self.second:  # the second pass starts over in time, against every cluster so far
            self.waiting = sorted(self.done + self.open + self.waiting, key=_first, reverse=True)
            self.open, self.done = [], []
        v = self.order[self.pos]
        self.pos += 1
        while self.waiting and self.waiting[-1].t_min <= v.t + self.HORIZON:
            self.open.append(self.waiting.pop())
        keep = []
        for c in self.open:
            (keep if v.t - c.t_max <= self.HORIZON else self.done).append(c)
        self.open = keep
        best, best_c = math.inf, None
        for c in self.open:
            k = cost(v, c)
            if k < best:
                best, best_c = k, c
        if best_c is None:
            best_c = Cluster()
            self.open.append(best_c)
        best_c.add(v)
        return None if v.outlier else best_c


def _first(c: Cluster) -> tuple[float, str]:
    return c.t_min, c.members[0].report.id


def greedy_all(components: list[list[ObsView]]) -> list[Cluster]:
    """Greedy, time-ordered association of fine observations into clusters, the assignment step used
    inside components the gates could not settle (two shellings at once with crossing rays). Each
    component starts from the groups of precise bearings its consensus seeding found (`seeds`). All such
    components run in lockstep: each places its next report against its own clusters' current estimates,
    then every cluster that changed is re-estimated in one batched solve (one per step, not per report)."""
    walks = []
    for views, groups in zip(components, consensus_seeds(components, PRECISE_TAU_S), strict=True):
        seeds = [Cluster.of(group) for group in groups]
        seeded = {id(v) for group in groups for v in group}
        walks.append(_Walk([v for v in views if id(v) not in seeded], seeds))
    refit_all([c for w in walks for c in w.waiting])
    active = [w for w in walks if w.order]
    while active:
        refit_all([c for c in (w.step() for w in active) if c is not None])
        active = [w for w in active if w.pos < len(w.order)]
    return [c for w in walks for c in w.done + w.open + w.waiting[::-1]]


def _farthest(clusters: list[Cluster]) -> float:
    """The farthest apart two places `cost` measures from can be for any gate among these clusters to pass
    (their spreads aside): two bearings' observers whose rays meet, each within 1.1 of its reach; an event's
    two ends, within its weapon's reach and `CROSS_ASPECT_SLACK_M`."""
    rays = [m.ray.r_hi for c in clusters for v in c.members for m in v.measurements if m.ray is not None]
    return max(2.2 * max(rays, default=0.0), max((c.reach for c in clusters), default=0.0) + CROSS_ASPECT_SLACK_M)


FOOTPRINT_FROM = 4  # a report's candidates are first narrowed by footprint when more than this many


def _attach_vague(clusters: list[Cluster], farthest: float) -> list[Cluster]:
    """A lone vague or late report (a complaint, a crater documented hours later) joins the cheapest
    cluster its own gates admit, as greedy association would have let it. Before any cost is computed,
    clusters of another family, outside the report's time window, or whose estimate of an end one of the
    report's measurements certainly fails (`point_gate`) are ruled out with arrays, for all reports at once;
    of those left, where more than a few, those whose footprint lies beyond `farthest` (in another sector
    of a long front: `footprint`)."""
    clusters = sorted(clusters, key=lambda c: c.t_min)
    starts = np.array([c.t_min for c in clusters])  # as sorted, for the search
    firsts, lasts = starts.tolist(), [c.t_end for c in clusters]  # as clusters grow
    alive = [True] * len(clusters)
    vague = [k for k, c in enumerate(clusters) if len(c.members) == 1 and _is_vague(c.members[0])]
    candidates = _vague_candidates([clusters[k].members[0] for k in vague], clusters, starts, farthest)
    give_back()  # the blocks' arrays
    feet = footprint.Feet(clusters)
    dirty: list[Cluster] = []
    for k, mine in zip(vague, candidates, strict=True):
        c = clusters[k]
        if len(c.members) != 1:  # an earlier one joined it: it is no longer lone
            continue
        v = c.members[0]
        late = v.report.type in AFTERMATH_TYPES
        window = FAMILY_WINDOW_S.get(v.family, 600.0) + v.tau
        near = []
        for j in mine:  # the time window as the clusters now stand (they grew by earlier reports)
            dt = max(firsts[j] - v.t, v.t - lasts[j], 0.0)
            if late and v.t > lasts[j]:
                dt = max(dt - AFTERMATH_LAG_S, 0.0)
            if dt <= window and alive[j] and j != k:
                near.append(j)
        if len(near) > FOOTPRINT_FROM:
            ks = np.array(near, dtype=np.int64)
            near = ks[footprint.may_meet_many(footprint.of_view(v), feet.many(ks), farthest)].tolist()
        best, target = math.inf, -1
        for j in near:
            cost_j = cost(v, clusters[j])
            if cost_j < best:
                best, target = cost_j, j
        if target >= 0:
            clusters[target].add(v)
            firsts[target], lasts[target] = clusters[target].t_min, clusters[target].t_end
            feet.grew(target)  # its new member's bearings count
            dirty.append(clusters[target])
            alive[k] = False
    refit_all(dirty)
    return [c for c, ok in zip(clusters, alive, strict=True) if ok]


def _is_vague(v: ObsView) -> bool:
    """Vague in time (a complaint, an open source) or of an event's aftermath (a crater, damage, harm)."""
    return v.tau > VAGUE_TAU_S or v.report.type in AFTERMATH_TYPES


def _vague_candidates(views: list[ObsView], clusters: list[Cluster], starts: np.ndarray, farthest: float
                      ) -> list[list[int]]:  # fmt: skip
    """Per report, the clusters (indices, in order) that may take it, whatever the pass adds to them: of its
    family, starting (as they stood before the pass, `starts`) within its time window widened by the
    aftermath lag, and not ruled out by `point_gate` (the pass refits no estimate until it ends). The time
    window as the clusters grow is checked as the pass comes to each report. Judged a block of pairs at a
    time, so that a long front's many pairs in a window are never all held at once."""
    if not views:
        return []
    t = np.array([v.t for v in views])
    window = np.array([FAMILY_WINDOW_S.get(v.family, 600.0) + v.tau for v in views])
    lo = np.searchsorted(starts, t - window - AFTERMATH_LAG_S, side="left")
    count = np.maximum(np.searchsorted(starts, t + window, side="right") - lo, 0)
    families = {f: n for n, f in enumerate(sorted({c.family for c in clusters} | {v.family for v in views}))}
    family = np.array([families[c.family] for c in clusters], dtype=np.int64)
    own = np.array([families[v.family] for v in views], dtype=np.int64)
    measured, located = point_gate.Measured(views), point_gate.Located(clusters)
    # blocks of whole reports, each about PAIR_BLOCK pairs (a report with more is a block of its own)
    ends = np.cumsum(count)
    cuts = np.searchsorted(ends, np.arange(PAIR_BLOCK, int(ends[-1]), PAIR_BLOCK), side="right").tolist()
    out: list[list[int]] = []
    first = 0
    for last in [*cuts, len(views)]:
        if last <= first:
            continue
        n = count[first:last]
        report = np.repeat(np.arange(first, last), n)
        cluster = np.repeat(lo[first:last] - np.cumsum(n) + n, n) + np.arange(int(n.sum()))
        keep = family[cluster] == own[report]
        report, cluster = report[keep], cluster[keep]
        keep = ~point_gate.ruled_out(measured, located, report, cluster, farthest)
        report, cluster = report[keep], cluster[keep]
        bounds = np.searchsorted(report, np.arange(first + 1, last))
        out += [part.tolist() for part in np.split(cluster, bounds)]
        first = last
    return out


PAIR_BLOCK = 250_000  # (report, cluster) pairs judged together


def refit_all(clusters: list[Cluster]) -> None:
    """Re-estimate every aspect of these clusters in one batched solve."""
    from trucewatch.fusion.batch import localize_batch
    from trucewatch.fusion.table import arrays

    unique = list({id(c): c for c in clusters}.values())
    ms: list[Measurement] = []
    groups: list[int] = []
    slots: list[tuple[Cluster, Aspect, bool]] = []
    for c in unique:
        by_aspect: dict[Aspect, list[Measurement]] = {}  # what `measurements(a)` gives, for each a, in one pass
        for v in c.members:
            if not v.outlier:
                for m in v.measurements:
                    by_aspect.setdefault(m.aspect, []).append(m)
        for a, mine in by_aspect.items():
            ranged = any(m.ray is not None and m.ray.ranged for m in mine)
            ms += mine
            groups += [len(slots)] * len(mine)
            slots.append((c, a, ranged))
    if not ms:
        return
    est = localize_batch(arrays(ms, groups), len(slots))
    for (c, a, _), e in zip(slots, est.estimates([ranged for _, _, ranged in slots]), strict=True):
        c.estimates[a] = e


def finish(clusters: list[Cluster]) -> list[Cluster]:
    """Post-passes over all clusters: attach vague reports, merge splits, then attach lone wild bearings."""
    farthest = _farthest(clusters)  # attaching and merging move reports between clusters, adding none
    clusters = sorted(_merge_splits(_attach_vague(clusters, farthest), farthest), key=lambda c: c.t_min)
    starts = [c.t_min for c in clusters]
    kept = []
    for c in clusters:
        target = _by_time_alone(c.members[0], clusters, starts) if len(c.members) == 1 else None
        if target is None:
            kept.append(c)
        else:
            c.members[0].outlier = True
            target.add(c.members[0])  # an outlier does not move the estimate
    return kept


def _by_time_alone(v: ObsView, clusters: list[Cluster], starts: list[float]) -> Cluster | None:
    """The one multi-report cluster a bare bearing coincides with in time and whose event its sensor could
    have sensed (located within its reach), if exactly one. Along a long front, time alone would find one
    in every sector."""
    if not all(m.ray is not None and not m.ray.ranged for m in v.measurements):
        return None
    window = FAMILY_WINDOW_S.get(v.family, 600.0) + v.tau
    lo = bisect.bisect_left(starts, v.t - window - AFTERMATH_LAG_S)
    hi = bisect.bisect_right(starts, v.t + window)
    fits = [
        c for c in clusters[lo:hi]
        if c.family == v.family and v.report.source_id not in c.sources
        and max(c.t_min - v.t, v.t - c.t_end, 0.0) <= window and len(c.members) >= 2 and _within_reach(v, c)
    ]  # fmt: skip
    return fits[0] if len(fits) == 1 else None


def _within_reach(v: ObsView, c: Cluster) -> bool:
    """Whether the cluster's estimate of what v's bearings report lies within their sensors' reach."""
    for m in v.measurements:
        est = c.estimates.get(m.aspect)
        if m.ray is None or est is None or est.c00 >= 1e9:
            continue
        if math.hypot(est.x - m.ray.ox, est.y - m.ray.oy) <= m.ray.r_hi * 1.1:
            return True
    return False


def _merge_splits(clusters: list[Cluster], farthest: float) -> list[Cluster]:
    """Merge clusters of one event that greedy association split (typically when a wild bearing came
    first and paired with a good one): two clusters of a family, coinciding in time, merge when one
    position explains all their reports but at most one, and that one becomes an outlier.

    Every candidate pair is judged up front in one batched solve; a pair whose cluster has grown by an
    earlier merge is judged again as it now stands."""
    clusters = sorted(clusters, key=lambda c: c.t_min)
    alive = [True] * len(clusters)
    grown: set[int] = set()
    feet = footprint.Feet(clusters)
    pairs = list(_split_pairs(clusters, alive, feet, farthest))
    verdicts = dict(zip(pairs, _merge_verdicts([(clusters[i], clusters[j]) for i, j in pairs]), strict=True))
    for i, j in _split_pairs(clusters, alive, feet, farthest):
        a, b = clusters[i], clusters[j]
        fresh = i in grown or (i, j) not in verdicts  # judged again as it now stands
        outlier = _merge_verdicts([(a, b)])[0] if fresh else verdicts[i, j]
        if outlier is False:
            continue
        if outlier is not None:
            outlier.outlier = True
        for v in b.members:
            a.add(v)
        alive[j] = False
        grown.add(i)
        feet.grew(i)
    refit_all([clusters[i] for i in sorted(grown)])  # no verdict reads a cluster's estimate: one solve at the end
    return [c for c, ok in zip(clusters, alive, strict=True) if ok]


def _same_launch(a: Cluster, b: Cluster) -> bool:
    """Whether both clusters' sound arrivals date their launches, to the same moment (within three of the
    difference's standard errors): then two full clusters may still be one event, split by the order in
    which its reports came."""
    oa, ob = a.estimates.get(Aspect.ORIGIN), b.estimates.get(Aspect.ORIGIN)
    if oa is None or ob is None or oa.fired != oa.fired or ob.fired != ob.fired:  # not dated (NaN)
        return False
    return abs(oa.fired - ob.fired) <= 3 * math.hypot(oa.fired_sigma, ob.fired_sigma)


def _after(c: Cluster, t: float) -> bool:
    """Whether the cluster reports an event (not only an aftermath) that, within its reports' time
    tolerances, began after t."""
    if c.t_min <= t or c.t_event == -math.inf:
        return False
    return min(v.t - v.tau for v in c.members if v.report.type not in AFTERMATH_TYPES) > t


def _split_pairs(clusters: list[Cluster], alive: list[bool], feet: footprint.Feet, farthest: float
                 ) -> Iterator[tuple[int, int]]:  # fmt: skip
    """Pairs of live clusters (sorted by start) that could be one event's parts, as they stand when asked;
    none whose footprints lie farther apart than `farthest` and their spreads allow."""
    for i, a in enumerate(clusters):
        if not alive[i]:
            continue
        for j in range(i + 1, len(clusters)):
            b = clusters[j]
            if b.t_min > a.t_max + FAMILY_WINDOW_S.get(a.family, 600.0):
                break
            if not alive[j] or b.family != a.family or len(a.members) + len(b.members) > 40:
                continue
            if _after(b, a.t_end + FAMILY_WINDOW_S.get(a.family, 600.0) + LATEST_SOUND_S):
                continue  # b reports an event after a's and the sound of it: only a's late crater spanned the gap
            if min(len(a.members), len(b.members)) > 3 and not _same_launch(a, b):
                continue  # splits leave a small fragment; two full clusters are two events, unless dated alike
            if set(a.sources) & set(b.sources):
                continue
            if not footprint.may_meet(feet.of(i), feet.of(j), farthest):
                continue  # in another sector of the front
            yield i, j
            if not alive[i]:
                break


def _merge_verdicts(pairs: list[tuple[Cluster, Cluster]]) -> list[ObsView | None | bool]:
    """Per pair: None to merge cleanly; an ObsView to merge with it as the outlier; False not to merge.

    Each aspect both clusters located is solved jointly (all pairs in one batched solve): the merge holds
    when one position explains all those reports but at most one, with three or more left."""
    from trucewatch.fusion.batch import elsewhere, localize_batch, normalized_residuals_batch
    from trucewatch.fusion.table import arrays

    ms: list[Measurement] = []
    groups: list[int] = []
    slots: list[tuple[int, list[ObsView]]] = []  # (pair, owner of each measurement)
    verdict: list[ObsView | None | bool] = [False] * len(pairs)
    for p, (a, b) in enumerate(pairs):
        members = [v for v in a.members + b.members if not v.outlier]
        for aspect in dict.fromkeys(m.aspect for v in members for m in v.measurements):  # in a fixed order
            in_a = any(m.aspect == aspect for v in a.members for m in v.measurements)
            in_b = any(m.aspect == aspect for v in b.members for m in v.measurements)
            if not (in_a and in_b):
                continue
            mine = [(v, m) for v in members for m in v.measurements if m.aspect == aspect]
            verdict[p] = None  # shares an aspect: judged below
            ms += [m for _, m in mine]
            groups += [len(slots)] * len(mine)
            slots.append((p, [v for v, _ in mine]))
    if not ms:
        return verdict
    table = arrays(ms, groups)
    est = localize_batch(table, len(slots))
    res = normalized_residuals_batch(table, est.x, est.y)
    # a report that disagrees because its sensor could not have sensed the joint position, or heard another
    # launch, is no outlier of one event: the two clusters are two events
    res[elsewhere(table, np.arange(len(table)), est, table.group)] = np.inf
    pos = 0
    for g, (p, owners) in enumerate(slots):
        r = res[pos : pos + len(owners)]
        ranged = any(m.ray is not None and m.ray.ranged for m in ms[pos : pos + len(owners)])
        pos += len(owners)
        if verdict[p] is False:
            continue
        if est.n_rays[g] == 1 and est.n_points[g] == 0 and not ranged:
            verdict[p] = False  # a lone bare bearing explains anything along it
            continue
        bad = [v for v, x in zip(owners, r, strict=True) if x > OUTLIER_SIGMAS]
        if (len(bad) > 1 or len(owners) - len(bad) < 3 or (bad and verdict[p] is not None and verdict[p] is not bad[0])
                or any(x == np.inf for x in r)):  # fmt: skip
            verdict[p] = False
        elif bad:
            verdict[p] = bad[0]
    return verdict
