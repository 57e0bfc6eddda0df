"""Fusion benchmark: accuracy against ground truth and speed against baselines. Prints one JSON object.

Generates the default scenario mix at its default density, extended in time until it holds about
--observations observations (up to the ten years an agreement may last; beyond that the rates of fire
and weapon events are raised, and `density` says by how much), then measures, in one run:
- seconds: fusion end to end (preparation, grouping, localisation, attribution probabilities);
- pairwise_f1 of our grouping, and of two baselines on the same data: ACLED's rule (same day, same
  place to 0.01°, same type is one event) and scikit-learn's DBSCAN on each report's rough position
  (2 km units) and time (120 s units), eps doubled from 0.5 while its F1 rises and the best kept;
- speedup_vs_dbscan: DBSCAN's grouping time over ours (same observations, same run);
  seconds_candidate_graph: of our grouping, the part done wholly in compiled code and arrays — candidate
  pairs from the k-d tree, their gates, connected components — timed on its own (the partition run anew
  after fusion): a floor under any grouping built on it, whatever the steps after it cost;
- crb_ratio: origin RMSE over the root of the mean trace of the Cramér–Rao bound, for incidents located
  by three or more bearings (the bound computed at the true origin from the same measurements, their sound
  arrival times included);
  crb_ratio_without_worst_1pct and crb_worst_0_1pct_share_of_squared_error say how much of that RMSE a
  few gross failures carry;
- ellipse95_coverage: share of located incidents whose 95 % ellipse holds the true position;
- peak_rss_mb: the whole process's peak: parsing the data, fusion, and the evaluation with its baselines
  (the observations are validated one at a time into the columns fusion reads, none is held as a model;
  the ground truth is kept as a few arrays, the parsed file dropped before fusion). The data is generated
  into files by a child process, as the mission's intake writes them: the generator's memory is not
  counted;
  rss_before_fusion_mb: memory held when fusion starts (those columns and that truth);
  peak_rss_before_fusion_mb: the peak while the data was parsed (Linux only);
  peak_rss_during_fusion_mb: the peak from fusion's start until attribution ends (Linux only, else null);
- attribution_accuracy_far: incidents whose true origin is over 2 km from the contact line, share
  attributed to the true party (undetermined counts as wrong); attribution_brier over all attributed fire
  (a share left unplaced — a lone bearing's — counts as given to no party, so it scores as wrong);
  attribution_unplaced: how many attributed fire incidents leave most of their probability unplaced;
  attribution_calibration: the stated probability of the most likely party, binned, against how often
  it was the true one — over located origins only: a lone bearing's figures are lower bounds, not
  probabilities, and are right at least as often as they say by construction.

--standoff sets the scenario's least distance of a fire position from the contact line (default 300 m,
the scenario's own). The attribution assumes a flat prior up to the line, so with the default it states
less than it could near the line (findings stated at 0.75 come true more often); with --standoff 0 the
prior holds, and the calibration shows the attribution's own accuracy.

    python benchmarks/fusion.py --observations 100000
    python benchmarks/fusion.py --observations 100000 --standoff 0
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from trucewatch.agreement import load_agreement
from trucewatch.agreement.model import Agreement
from trucewatch.assess.attribution import NOT_A_PARTY, UNPLACED, responsibilities
from trucewatch.domain.enums import SPEED_OF_SOUND_M_S, Aspect
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import LINE_ONLY
from trucewatch.fusion import group
from trucewatch.fusion.collector import collector_paused
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.incidents import build_all
from trucewatch.fusion.measure import ARRIVAL_SIGMA_S
from trucewatch.fusion.partition import components
from trucewatch.intake.formats import iter_file
from trucewatch.intake.rows import Rejection
from trucewatch.intake.validate import Context
from trucewatch.scenario.events import FIRE_STANDOFF_M
from trucewatch.scenario.generate import ScenarioFiles, generate

OBS_PER_DAY = 85  # the default scenario's density
MAX_DAYS = 3650  # the longest window an agreement may set


def pairwise_f1(labels_pred: np.ndarray, labels_true: np.ndarray) -> float:
    """Pairwise F1 of a grouping against the truth: integer labels per observation, -1 in `labels_true`
    for an observation of no event (it counts in predicted pairs, never in true ones)."""

    def pairs(labels: np.ndarray) -> int:
        counts = np.unique(labels, return_counts=True)[1].astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    pred, true = np.asarray(labels_pred, dtype=np.int64), np.asarray(labels_true, dtype=np.int64)
    known = true >= 0
    pred_pairs, true_pairs = pairs(pred), pairs(true[known])
    tp = pairs(pred[known] * (int(true.max(initial=0)) + 1) + true[known])
    if not pred_pairs or not true_pairs or not tp:
        return 0.0
    p, r = tp / pred_pairs, tp / true_pairs
    return round(2 * p * r / (p + r), 4)


@dataclass
class Truth:
    """The ground truth, compact: per observation (in the columns' order) its event's number, -1 for none;
    per event its kind, party and true origin. Read before fusion and the parsed file dropped, so that the
    harness's own data weighs little beside what it measures."""

    label: np.ndarray
    fire: np.ndarray
    party: list[str | None]
    origin_x: np.ndarray
    origin_y: np.ndarray

    @classmethod
    def read(cls, path: Path, cols: ObservationColumns) -> Truth:
        truth = json.loads(path.read_text())
        events, of = truth["events"], truth["observations"]
        number = {e["id"]: k for k, e in enumerate(events)}
        label = np.fromiter((number.get(of.get(r.id), -1) for r in cols.reports), dtype=np.int64, count=len(cols))
        origin = [e.get("origin") or {"x": math.nan, "y": math.nan} for e in events]
        return cls(label, np.array([e["kind"] == "fire" for e in events], dtype=bool),
                   [e.get("party") for e in events], np.array([o["x"] for o in origin], dtype=float),
                   np.array([o["y"] for o in origin], dtype=float))  # fmt: skip


def crb_trace(inc_views, aspect: Aspect, x: float, y: float) -> float | None:  # type: ignore[no-untyped-def]
    """The trace of the Cramér–Rao bound at the true position (x, y) from the measurements the estimate
    used: points, bearings with their range bands, and sound arrival times with the firing time unknown
    (its information about the position: the centred unit vectors over c, the firing time taken out)."""
    info = np.zeros((2, 2))
    rays, units = 0, []
    for v in inc_views:
        if v.outlier:
            continue
        for m in v.measurements:
            if m.aspect != aspect:
                continue
            if m.point is not None:
                info += np.linalg.inv(m.point.cov)
            elif m.ray is not None:
                rays += 1
                dx, dy = x - m.ray.ox, y - m.ray.oy
                r2 = dx * dx + dy * dy
                g = np.array([dy / r2, -dx / r2]) / m.ray.sigma
                u = np.array([dx, dy]) / math.sqrt(r2)
                info += np.outer(g, g) + np.outer(u, u) / m.ray.r_sigma**2
                if not math.isnan(m.arrival):
                    units.append(u)
    if rays < 3:
        return None
    if len(units) >= 2:
        centred = np.array(units) - np.mean(units, axis=0)
        info += centred.T @ centred / (SPEED_OF_SOUND_M_S * ARRIVAL_SIGMA_S) ** 2
    return float(np.trace(np.linalg.inv(info)))


def _crb_tail(errs: list[float], crbs: list[float]) -> dict[str, float | None]:
    """How much of the squared error the worst few incidents carry, and the ratio without the worst 1 %:
    a few gross failures (a wild bearing among three) can dominate an RMSE."""
    if len(errs) < 100:
        return {"crb_ratio_without_worst_1pct": None, "crb_worst_0_1pct_share_of_squared_error": None}
    e, c = np.asarray(errs), np.asarray(crbs)
    order = np.argsort(-e)
    keep = order[len(e) // 100 :]
    worst = order[: max(1, len(e) // 1000)]
    return {
        "crb_ratio_without_worst_1pct": round(math.sqrt(e[keep].mean()) / math.sqrt(c[keep].mean()), 3),
        "crb_worst_0_1pct_share_of_squared_error": round(float(e[worst].sum() / e.sum()), 3),
    }


def _calibration(pairs: list[tuple[float, bool]]) -> list[dict[str, float]]:
    """Stated probability of the most likely party, binned, against how often it was right."""
    out = []
    for lo, hi in ((0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.99), (0.99, 1.01)):
        sel = [ok for p, ok in pairs if lo <= p < hi]
        if sel:
            stated = float(np.mean([p for p, _ in pairs if lo <= p < hi]))
            out.append({"stated": round(stated, 3), "observed": round(float(np.mean(sel)), 3), "n": len(sel)})
    return out


def _rss_mb(field: str) -> int | None:
    """A memory figure of this process from /proc (Linux), in MB: VmRSS now, VmHWM the peak since reset."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Start VmHWM afresh, so the fusion peak is not the generator's or the parser's (Linux 4.0+); False
    where that cannot be done (the peak read later would then be the whole process's)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def accepted(path: Path, ctx: Context) -> Iterator[Observation]:
    """The file's accepted observations one at a time, named by the generator's ids (as stored); none is kept
    here, so memory holds only what fusion reads of them."""
    for item in iter_file(path, ctx):
        if not isinstance(item, Rejection):
            yield item[1].model_copy(update={"id": item[1].client_id})


@dataclass
class Data:
    """The benchmark's data: the default scenario mix, extended in time to about so many observations (past
    MAX_DAYS its event rates raised by `density`), generated into a folder, its accepted observations read
    into columns one at a time."""

    files: ScenarioFiles
    ag: Agreement
    cols: ObservationColumns
    days: int
    density: float

    @classmethod
    def generate(cls, folder: Path, observations: int, seed: int, standoff: float = FIRE_STANDOFF_M) -> Data:
        days = min(MAX_DAYS, max(30, round(observations / OBS_PER_DAY)))
        density = max(1.0, observations / (OBS_PER_DAY * days))
        start = datetime(2000, 1, 1, tzinfo=UTC)
        # in a process of its own: the generator's peak memory is not fusion's, and a child's is not counted in
        # this process's peak (`peak_rss_mb`)
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
            files = child.submit(generate, folder, days=days, seed=seed, start=start, density=density,
                                 standoff=standoff).result()  # fmt: skip
        ag = load_agreement(files.agreement)
        ctx = Context.for_agreement(ag, now=start + timedelta(days=days + 1))
        return cls(files, ag, ObservationColumns.of(accepted(files.observations, ctx)), days, density)


def cluster_labels(clusters, n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each observation's cluster (build_all keeps the clusters' order); one left out is alone."""
    labels = np.full(n, -1, dtype=np.int64)
    for k, c in enumerate(clusters):
        labels[[v.index for v in c.members]] = k
    alone = labels < 0
    labels[alone] = len(clusters) + np.arange(int(alone.sum()))
    return labels


def _accuracy(clusters, incidents, resp, truth: Truth, ag) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Location and attribution accuracy of the fused incidents against the truth. Each event's incident is
    the one holding most of its reports (the first such, ties broken in observation-id order as the incident
    lists them)."""
    match: dict[int, int] = {}
    most: dict[int, int] = {}
    for k, c in enumerate(clusters):
        members = sorted(c.members, key=lambda v: v.report.id)
        counts = Counter(e for e in truth.label[[v.index for v in members]].tolist() if e >= 0)
        if counts:
            e, got = counts.most_common(1)[0]
            if got > most.get(e, 0):
                match[e], most[e] = k, got
    errs, crbs, cover, far_total, far_ok, brier, unplaced = [], [], [], 0, 0, [], 0
    calib: list[tuple[float, bool]] = []
    line = ag.contact_line
    for e, k in match.items():
        inc, cl, party = incidents[k], clusters[k], truth.party[e]
        if not truth.fire[e] or inc.origin is None:
            continue
        tx, ty = float(truth.origin_x[e]), float(truth.origin_y[e])
        d = np.array([inc.origin.x - tx, inc.origin.y - ty])
        cov = np.array(inc.origin.cov)
        cover.append(float(d @ np.linalg.solve(cov, d)) <= 5.991)
        tr = crb_trace(cl.members, Aspect.ORIGIN, tx, ty)
        if tr is not None:
            errs.append(float(d @ d))
            crbs.append(tr)
        probs = resp[k]
        if probs:
            top, p_top = max(((q, p) for q, p in probs.items() if q not in NOT_A_PARTY), key=lambda kv: kv[1],
                             default=(None, 0.0))  # fmt: skip
            if inc.origin.method != LINE_ONLY:  # a lone bearing's are lower bounds, not probabilities
                calib.append((p_top, top == party))
            brier.append(sum((probs.get(p, 0.0) - (1.0 if p == party else 0.0)) ** 2 for p in ("A", "B")))
            unplaced += probs.get(UNPLACED, 0.0) > 0.5
        if line.distance(Point(tx, ty)) > 2000:
            far_total += 1
            best = max(((p, q) for q, p in probs.items() if q not in NOT_A_PARTY), default=(0, None))
            far_ok += best[1] == party and best[0] >= ag.spec.settings.attribution_threshold
    return {
        # four decimals: at a million observations the ratio sits on its target's boundary
        "crb_ratio": round(math.sqrt(np.mean(errs)) / math.sqrt(np.mean(crbs)), 4) if errs else None,
        "crb_incidents": len(errs),
        **_crb_tail(errs, crbs),
        "ellipse95_coverage": round(float(np.mean(cover)), 4) if cover else None,
        "attribution_accuracy_far": round(far_ok / far_total, 4) if far_total else None,
        "attribution_brier": round(float(np.mean(brier)), 4) if brier else None,
        "attribution_unplaced": unplaced,
        "attribution_calibration": _calibration(calib),
    }


def _rough_positions(views, projector):  # type: ignore[no-untyped-def]
    """Per report, the rough position both baselines read — its point, or its bearing at mid range — as x, y,
    longitude and latitude (zeros where a report locates nothing), and its time. Computed without `rough()`,
    which would keep a point per report."""
    n = len(views)
    rx, ry = np.zeros(n), np.zeros(n)
    for k, v in enumerate(views):
        if v.measurements:
            m = v.measurements[0]
            rx[k], ry[k] = (m.point.x, m.point.y) if m.point is not None else m.ray.point(m.ray.r_mid)
    has = np.array([bool(v.measurements) for v in views], dtype=bool)
    lon, lat = (np.where(has, v, 0.0) for v in projector.to_lonlat(rx, ry))
    t = np.fromiter((v.t for v in views), dtype=float, count=n)
    return rx, ry, lon, lat, t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--observations", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--standoff", type=float, default=FIRE_STANDOFF_M, help="metres from the line to a fire position, at least"
    )
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tw-bench-fusion-"))
    try:
        data = Data.generate(tmp, args.observations, args.seed, args.standoff)
        ag, cols, days, density = data.ag, data.cols, data.days, data.density
        truth = Truth.read(data.files.truth, cols)
        del data
        give_back()  # the parsed file is gone; what the generator, the parser and it freed goes back too

        input_rss, input_peak = _rss_mb("VmRSS"), _rss_mb("VmHWM")
        peak_was_reset = _reset_peak_rss()
        t0 = time.perf_counter()
        stages: dict[str, float] = {}
        with collector_paused():  # as `fuse` runs these steps: its grouping, then the incidents
            views, clusters = group(cols, ag.projector, ag.place, ag.sensing, seconds=stages)
            t2 = time.perf_counter()
            incidents = build_all(clusters, ag.projector)
            give_back()
        with collector_paused():  # as `assess` runs attribution
            evidence = [[v.report for v in c.members] for c in clusters]  # build_all keeps the clusters' order
            resp = [p for p, _ in responsibilities(incidents, evidence, ag)]
        t3 = time.perf_counter()
        fusion_peak = _rss_mb("VmHWM") if peak_was_reset else None
        grouping_seconds = stages["grouping"]
        ours = pairwise_f1(cluster_labels(clusters, len(cols)), truth.label)

        accuracy = _accuracy(clusters, incidents, resp, truth, ag)
        rx, ry, lon, lat, t = _rough_positions(views, ag.projector)

        # what the baselines need is in arrays now: fusion's objects go, so that the baselines' own memory
        # (DBSCAN's neighbourhoods) does not stack on theirs
        n_observations, n_incidents, types = len(cols), len(incidents), cols.codes()["type"]
        del clusters, incidents, evidence, resp
        give_back()
        partition_seconds: dict[str, float] = {}
        with collector_paused():  # partitioned anew, as grouping does: how long its arrays alone take
            fine = [v for v in views if not v.coarse and v.measurements]
            n_components = len(components(fine, seconds=partition_seconds))
        del fine
        del views, cols
        give_back()

        # baseline 1: ACLED's rule (same day, same place to 0.01°, same type)
        key = np.column_stack([np.floor(t / 86400.0), np.round(lon * 100), np.round(lat * 100), types])
        acled_f1 = pairwise_f1(np.unique(key, axis=0, return_inverse=True)[1].ravel(), truth.label)
        del key, lon, lat

        # baseline 2: DBSCAN on (x, y, scaled time), the same rough positions
        from sklearn.cluster import DBSCAN

        feats = np.column_stack([rx / 2000.0, ry / 2000.0, t / 120.0])
        del rx, ry
        # eps doubled so the baseline is shown at its best on this data, not at a strawman setting, until its
        # F1 falls (past the best, larger eps only chain more events together, and cost more memory)
        dbscan_f1, dbscan_seconds, dbscan_eps = -1.0, 0.0, 0.0
        for eps in (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
            t4 = time.perf_counter()
            db = DBSCAN(eps=eps, min_samples=1).fit(feats).labels_
            took = time.perf_counter() - t4
            f1 = pairwise_f1(db, truth.label)
            if f1 <= dbscan_f1:
                break
            dbscan_f1, dbscan_seconds, dbscan_eps = f1, took, eps
        del feats, db

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "observations": n_observations,
            "days": days,
            "density": round(density, 2),
            "standoff_m": args.standoff,
            "seconds": round(t3 - t0, 2),
            "seconds_prepare": round(stages["prepare"], 2),
            "seconds_grouping_and_localisation": round(grouping_seconds, 2),
            "seconds_incidents_and_attribution": round(t3 - t2, 2),
            "seconds_candidate_graph": round(partition_seconds["graph"], 2),
            "components": n_components,
            "incidents": n_incidents,
            "peak_rss_mb": round(peak),
            "rss_before_fusion_mb": input_rss,
            "peak_rss_before_fusion_mb": input_peak,
            "peak_rss_during_fusion_mb": fusion_peak,
            "pairwise_f1": ours,
            "baseline_pairwise_f1": {"acled_rule": acled_f1, "dbscan": dbscan_f1},
            "dbscan_seconds": round(dbscan_seconds, 2),
            "dbscan_eps": dbscan_eps,
            "speedup_vs_dbscan": round(dbscan_seconds / grouping_seconds, 2),
            **accuracy,
        }, sort_keys=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
