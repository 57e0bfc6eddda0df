"""Run the steps in order over a mission's store: observations → incidents → findings."""

from __future__ import annotations

import time
from dataclasses import dataclass

from trucewatch.assess import assess
from trucewatch.assess.evidence import Evidence
from trucewatch.fusion import fuse
from trucewatch.fusion.columns import ObservationColumns
from trucewatch.store.mission import Mission
from trucewatch.store.observations import iter_effective_observations
from trucewatch.store.runs import load_decisions, save_run


@dataclass
class RunSummary:
    run: int
    observations: int
    incidents: int
    findings: int
    violations: int
    seconds: float
    tiles: int = 1  # Dask tiles fused (0: the seams disagreed and one process fused everything)


def run(mission: Mission, dask_client=None) -> RunSummary:  # type: ignore[no-untyped-def]
    """Fuse and assess; with a Dask client, fusion runs tile by tile on its workers (same result)."""
    ag = mission.agreement
    with mission.engine.connect() as conn:
        decisions = load_decisions(conn)
        # read one at a time into the columns fusion reads: no parsed model is kept
        columns = ObservationColumns.of(iter_effective_observations(conn))
    t0 = time.perf_counter()
    if dask_client is not None:  # each tile's workers are sent its rows of the columns
        from trucewatch.fusion.distributed import fuse_distributed

        incidents, tiles = fuse_distributed(ag, columns, dask_client)
    else:
        tiles = 1
        incidents = fuse(columns, ag.projector, ag.place, ag.sensing)
    evidence: dict[str, Evidence] = {r.id: r for r in columns.reports}
    findings = assess(incidents, evidence, ag, decisions)
    seconds = time.perf_counter() - t0
    with mission.engine.begin() as conn:
        seq = save_run(conn, incidents, findings, ag.digest, len(evidence), seconds)
    violations = sum(1 for f in findings if f.outcome.value == "violation")
    return RunSummary(seq, len(evidence), len(incidents), len(findings), violations, seconds, tiles)
