"""Distributed fusion benchmark: one process against space-time tiles on a local Dask cluster, same data,
same run. Prints one JSON object.

Generates the fusion benchmark's data (the default scenario mix, extended in time to about
--observations observations), then fuses it twice: with `fuse` in this process, and with
`fuse_distributed` on a local cluster of --workers worker processes (one thread each). Prints:
- seconds_one_process, seconds_dask: fusion only (incidents out; attribution is not part of either);
  seconds_cluster_start: starting the local cluster, not counted in seconds_dask, which does count the
  workers' first imports and reading of the agreement (as `trucewatch run --workers N` pays them);
  seconds_dask_warm: the same fusion again on the same workers (as on a cluster joined with --scheduler);
- speedup, speedup_warm: seconds_one_process over each;
- tiles: how many tiles the Dask run fused (0: a check failed and one process fused everything);
- identical: whether the Dask runs gave the incidents one process gave, field for field.
--strip-km and --strip-margin-km cut the front into narrower strips than the default (400 km strips with
200 km margins hold the whole simulated sector, about 60 km across, in one strip).

    python benchmarks/fusion_dask.py --observations 1000000 --workers 2
    python benchmarks/fusion_dask.py --observations 100000 --strip-km 20 --strip-margin-km 40
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from fusion import Data

from trucewatch.fusion import fuse
from trucewatch.fusion.distributed import Tiling, fuse_distributed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--observations", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--strip-km", type=float, default=Tiling().strip_m / 1000)
    ap.add_argument("--strip-margin-km", type=float, default=Tiling().strip_margin_m / 1000)
    args = ap.parse_args()
    tiling = Tiling(strip_m=args.strip_km * 1000, strip_margin_m=args.strip_margin_km * 1000)
    tmp = Path(tempfile.mkdtemp(prefix="tw-bench-distributed-"))
    try:
        data = Data.generate(tmp, args.observations, args.seed)
        ag, cols = data.ag, data.cols

        t0 = time.perf_counter()
        one = fuse(cols, ag.projector, ag.place, ag.sensing)
        t1 = time.perf_counter()

        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
            t2 = time.perf_counter()
            tiled, tiles = fuse_distributed(ag, cols, client, tiling)
            t3 = time.perf_counter()
            again, _ = fuse_distributed(ag, cols, client, tiling)
            t4 = time.perf_counter()
        print(json.dumps({
            "observations": len(cols),
            "workers": args.workers,
            "strip_km": args.strip_km,
            "strip_margin_km": args.strip_margin_km,
            "incidents": len(one),
            "tiles": tiles,
            "seconds_one_process": round(t1 - t0, 2),
            "seconds_cluster_start": round(t2 - t1, 2),
            "seconds_dask": round(t3 - t2, 2),
            "seconds_dask_warm": round(t4 - t3, 2),
            "speedup": round((t1 - t0) / (t3 - t2), 2),
            "speedup_warm": round((t1 - t0) / (t4 - t3), 2),
            "identical": tiled == one and again == one,
        }, sort_keys=True))  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
