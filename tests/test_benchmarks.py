"""The benchmarks run as their docstrings say, on a few thousand observations, and print the figures the
fusion issue names under those names: other tools read them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _run(script: str, *args: str) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True,
                          timeout=600, check=True)  # fmt: skip
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_fusion_benchmark_prints_the_issues_figures() -> None:
    out = _run("fusion.py", "--observations", "5000")
    for key in ("observations", "seconds", "peak_rss_mb", "pairwise_f1", "baseline_pairwise_f1", "speedup_vs_dbscan",
                "crb_ratio", "ellipse95_coverage", "attribution_accuracy_far", "attribution_brier"):  # fmt: skip
        assert key in out, key
    assert 4000 < out["observations"] < 6000
    assert out["pairwise_f1"] > max(out["baseline_pairwise_f1"]["acled_rule"], out["baseline_pairwise_f1"]["dbscan"])
    assert out["pairwise_f1"] > 0.9 and 0.85 < out["ellipse95_coverage"] <= 1.0
    assert 0 < out["seconds_candidate_graph"] < out["seconds_grouping_and_localisation"] < out["seconds"]
    assert 0 < out["peak_rss_during_fusion_mb"] <= out["peak_rss_mb"]


@pytest.mark.slow
def test_the_dask_benchmark_finds_dask_and_one_process_identical() -> None:
    out = _run("fusion_dask.py", "--observations", "3000")
    assert out["identical"] is True and out["tiles"] >= 1 and out["incidents"] > 100


@pytest.mark.slow
def test_the_front_benchmark_fuses_every_sector_as_one() -> None:
    out = _run("front.py", "--observations", "6000", "--sectors", "3")
    assert out["candidate_pairs_front"] == 3 * out["candidate_pairs_one_sector"]
    assert out["pairwise_f1_front_by_sector"] == [out["pairwise_f1_one_sector"]] * 3
