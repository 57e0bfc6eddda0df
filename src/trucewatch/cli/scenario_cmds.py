"""Synthetic truces: scenario, evaluate, and demo (scenario → run → report)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from trucewatch.errors import TrucewatchError
from trucewatch.intake.formats import read_file
from trucewatch.pipeline import run as run_pipeline
from trucewatch.scenario.evaluate import evaluate as evaluate_findings
from trucewatch.scenario.generate import generate
from trucewatch.store.checkpoints import ensure_mission_key
from trucewatch.store.mission import Mission
from trucewatch.store.observations import effective_observations, store_intake
from trucewatch.store.runs import effective_findings, load_incidents

from .common import DatabaseOpt, console, err, intake_context, open_mission, print_mapping, user_name
from .publish_cmds import report


def scenario(
    dir: Path = typer.Argument(..., help="Mission folder to create."),
    days: int = typer.Option(30, "--days", min=1, max=365),
    seed: int = typer.Option(1, "--seed"),
    database: str | None = DatabaseOpt,
) -> None:
    """Create a mission folder with a simulated truce: agreement, observations CSV and truth file."""
    files = generate(dir, days, seed)
    m = Mission.create(dir, files.agreement, database)
    ensure_mission_key(m)
    console.print(f"{files.events} true events, {files.observations_count} observations in {files.observations}")
    console.print(f"truth in {files.truth}; next: trucewatch import {dir} {files.observations}")


def evaluate(
    dir: Path = typer.Argument(..., help="Mission folder made by 'trucewatch scenario'."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    database: str | None = DatabaseOpt,
) -> None:
    """Compare the latest findings with the scenario's ground truth."""
    truth_file = dir / "inputs" / "truth.json"
    if not truth_file.exists():
        raise TrucewatchError(f"{truth_file}: no truth file; evaluate works on folders made by 'trucewatch scenario'")
    m = open_mission(dir, database)
    with m.engine.connect() as conn:
        incidents, findings = load_incidents(conn), effective_findings(conn)
        obs = {o.id: o for o in effective_observations(conn)}
    if not incidents:
        raise TrucewatchError("no findings yet: run 'trucewatch run DIR' first")
    res = evaluate_findings(json.loads(truth_file.read_text()), incidents, findings, obs)
    print_mapping(res, as_json, 32)


def demo(
    dir: Path = typer.Argument(Path("demo-mission"), help="Mission folder to create (default ./demo-mission)."),
    days: int = typer.Option(30, "--days", min=1, max=365),
    seed: int = typer.Option(1, "--seed"),
) -> None:
    """Scenario → import → run → report on the embedded store; prints where the report index is."""
    t0 = time.perf_counter()
    files = generate(dir, days, seed)
    m = Mission.create(dir, files.agreement)
    ensure_mission_key(m)
    res = read_file(files.observations, intake_context(m))
    with m.engine.begin() as conn:
        s = store_intake(conn, res, user_name())
    err.print(f"imported {s.new} observations ({len(s.rejected)} rejected)")
    summary = run_pipeline(m)
    err.print(f"{summary.incidents} incidents, {summary.violations} violations")
    report(dir, None, None)
    err.print(f"demo finished in {time.perf_counter() - t0:.1f} s")
