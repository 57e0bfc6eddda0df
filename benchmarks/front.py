"""Long-front benchmark: fusion of one sector against a front of many sectors side by side, and the candidate
pairs of the k-d tree against those of a sweep over time alone (the baseline). Prints one JSON object.

Generates the default scenario (about 60 km of contact line) extended in time to about
--observations / --sectors observations, then lays --sectors copies of it side by side, 200 km apart, at the
same times (each copy's reports shifted east, with their own ids and events): a front of that many sectors,
as a mission along 2,000 km would watch. It groups and localises both (`fusion.group`), and prints:
- seconds_one_sector, seconds_front, and per_sector_ratio: the front's time over the sectors' count times one
  sector's (1.0: time grows with the reports; a sweep over time alone would grow with their square);
- candidate_pairs_one_sector, candidate_pairs_front: the k-d tree's candidates (over local metres plus
  scaled time, each class of pair within the farthest its gate can pass);
  candidate_pairs_time_sweep_front: what a sweep over time alone offers on the same front (counted, not
  gated: it pairs each report with every sector's reports in its window);
- pairwise_f1_one_sector, pairwise_f1_front_by_sector: the grouping against the truth, sector by sector.
The front is fused in the projection an agreement over all of it would get (an oblique Mercator along its
contact line, `Projector.along`), the sector alone in its agreement's own.

    python benchmarks/front.py --observations 1000000 --sectors 10
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely
from fusion import Data, Truth, cluster_labels, pairwise_f1

from trucewatch.agreement.projection import Projector
from trucewatch.fusion import group
from trucewatch.fusion.collector import collector_paused
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.fusion.heap import give_back
from trucewatch.fusion.partition import _candidates, _linkable

APART_M = 200_000.0


def side_by_side(cols: ObservationColumns, sectors: int) -> ObservationColumns:
    """`sectors` copies of the columns, each APART_M further east at the sectors' latitude (a turn about the
    Earth's axis: every distance and bearing within a copy is kept), with ids of their own."""
    lat = float(np.nanmedian(cols.floats()["observer_lat"]))
    east = math.degrees(APART_M / (6_371_000.0 * math.cos(math.radians(lat))))
    out = ObservationColumns()
    for k in range(sectors):
        part = cols.take(np.arange(len(cols)))
        part.reports = [replace(r, id=f"{r.id}-{k}") for r in part.reports]
        for name in ("lon", "observer_lon"):
            shifted = np.frombuffer(part._floats[name], dtype=float) + k * east
            part._floats[name] = type(part._floats[name])("d", shifted.tobytes())
        out.reports += part.reports
        for name, col in part._floats.items():
            out._floats[name].extend(col)
        for name, col in part._codes.items():
            out._codes[name].extend(col)
    return out


def candidate_counts(views) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The k-d tree's candidate pairs, and those a sweep over time alone would offer, as `components` forms
    them (linkable reports, family by family)."""
    _, c, families = _linkable([v for v in views if not v.coarse and v.measurements])
    tree = sweep = 0
    for idx, seconds in families:
        tree += sum(len(a) for a, _ in _candidates(c, idx, seconds))
        t = c.t[idx]
        sweep += int((np.searchsorted(t, t + seconds, side="right") - np.arange(len(t)) - 1).sum())
    return tree, sweep


def front_projection(ag, sectors: int) -> Projector:  # type: ignore[no-untyped-def]
    """The projection an agreement over the whole front would get (`Projector.along` its contact line, the
    sector's line laid out as the copies are)."""
    lon, lat = ag.projector.to_lonlat(*shapely.get_coordinates(ag.contact_line).T)
    east = math.degrees(APART_M / (6_371_000.0 * math.cos(math.radians(float(np.median(lat))))))
    lons = np.concatenate([lon + k * east for k in range(sectors)])
    lats = np.concatenate([lat] * sectors)
    return Projector.along(float(lons.mean()), float(lats.mean()), lons, lats)


def timed_group(cols: ObservationColumns, ag, projector: Projector, truth_label: np.ndarray, sectors: int):  # type: ignore[no-untyped-def]
    """Seconds to group and localise, and the pairwise F1 of each sector's reports."""
    give_back()
    with collector_paused():
        t0 = time.perf_counter()
        views, clusters = group(cols, projector, ag.place, ag.sensing)
        seconds = time.perf_counter() - t0
    labels, n = cluster_labels(clusters, len(cols)), len(cols) // sectors
    f1 = [pairwise_f1(labels[k * n : (k + 1) * n], truth_label[k * n : (k + 1) * n]) for k in range(sectors)]
    return seconds, f1, views


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--observations", type=int, default=100_000)
    ap.add_argument("--sectors", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tw-bench-front-"))
    try:
        data = Data.generate(tmp, args.observations // args.sectors, args.seed)
        ag, one = data.ag, data.cols
        truth = Truth.read(data.files.truth, one).label
        front = side_by_side(one, args.sectors)
        events = int(truth.max()) + 1
        front_truth = np.concatenate([np.where(truth >= 0, truth + k * events, -1) for k in range(args.sectors)])

        s_one, f1_one, views = timed_group(one, ag, ag.projector, truth, 1)
        tree_one, _ = candidate_counts(views)
        del views
        s_front, f1_front, views = timed_group(front, ag, front_projection(ag, args.sectors), front_truth, args.sectors)
        tree_front, sweep_front = candidate_counts(views)
        print(json.dumps({
            "sectors": args.sectors,
            "observations_one_sector": len(one),
            "observations": len(front),
            "seconds_one_sector": round(s_one, 2),
            "seconds_front": round(s_front, 2),
            "per_sector_ratio": round(s_front / (args.sectors * s_one), 2),
            "candidate_pairs_one_sector": tree_one,
            "candidate_pairs_front": tree_front,
            "candidate_pairs_time_sweep_front": sweep_front,
            "pairwise_f1_one_sector": f1_one[0],
            "pairwise_f1_front_by_sector": f1_front,
        }, sort_keys=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
