"""Commands over a mission folder: init, import, quarantine, run, status, decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.table import Table

from trucewatch.domain.enums import Status
from trucewatch.errors import DecisionError
from trucewatch.intake.formats import FORMATS, read_file
from trucewatch.pipeline import run as run_pipeline
from trucewatch.store import schema as t
from trucewatch.store.checkpoints import ensure_mission_key
from trucewatch.store.decisions import record_decision
from trucewatch.store.mission import Mission
from trucewatch.store.observations import count, quarantine_rows, store_intake
from trucewatch.store.runs import latest_run, load_findings

from .common import (
    EXIT_QUARANTINED,
    DatabaseOpt,
    console,
    err,
    intake_context,
    open_mission,
    print_mapping,
    progress_bar,
    user_name,
)


def init(
    dir: Path = typer.Argument(..., help="Mission folder to create."),
    agreement: Path = typer.Option(..., "--agreement", help="Agreement YAML file."),
    database: str | None = DatabaseOpt,
) -> None:
    """Create a mission folder from an agreement file (validated first) and its signing key."""
    m = Mission.create(dir, agreement, database)
    ensure_mission_key(m)
    console.print(f"mission [bold]{m.agreement.id}[/] created in {dir}")


def import_(
    dir: Path = typer.Argument(..., help="Mission folder."),
    files: list[Path] = typer.Argument(..., help="Files to import."),
    format: str | None = typer.Option(None, "--format", help=f"One of {', '.join(FORMATS)}; guessed if omitted."),
    database: str | None = DatabaseOpt,
) -> None:
    """Import observation files. Bad rows are quarantined and listed; exit status 3 if any were."""
    m = open_mission(dir, database)
    ctx = intake_context(m)
    total_new = total_same = total_bad = 0
    with progress_bar("importing", len(files)) as p:
        for f in files:
            res = read_file(f, ctx, format)
            with m.engine.begin() as conn:
                s = store_intake(conn, res, user_name())
            total_new, total_same, total_bad = total_new + s.new, total_same + s.unchanged, total_bad + len(s.rejected)
            for r in s.rejected:
                err.print(f"[yellow]rejected[/] {r.describe()}", highlight=False, markup=True)
            p.advance(p.task_ids[0])
    console.print(f"{total_new} new, {total_same} already stored, {total_bad} rejected (see 'trucewatch quarantine')")
    if total_bad:
        raise typer.Exit(EXIT_QUARANTINED)


def quarantine(
    dir: Path = typer.Argument(..., help="Mission folder."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line, raw bytes as hex."),
    database: str | None = DatabaseOpt,
) -> None:
    """List rejected rows with file, line, field and reason."""
    m = open_mission(dir, database)
    with m.engine.connect() as conn:
        rows = quarantine_rows(conn)
    if as_json:
        for r in rows:
            print(json.dumps({k: (v.hex() if isinstance(v, bytes) else str(v) if k == "created_at" else v)
                              for k, v in r.items()}, sort_keys=True))  # fmt: skip
        return
    table = Table("file", "line", "field", "reason", "raw (first 60 bytes)")
    for r in rows:
        table.add_row(r["file"], str(r["line"]), r["field"], r["reason"], repr(bytes(r["raw"])[:60])[2:-1])
    console.print(table)
    console.print(f"{len(rows)} rows in quarantine")


def run(
    dir: Path = typer.Argument(..., help="Mission folder."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Start a local Dask cluster of N workers."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Join an existing Dask scheduler (tcp://…)."),
    database: str | None = DatabaseOpt,
) -> None:
    """Fuse observations into incidents and assess each against the agreement."""
    m = open_mission(dir, database)
    if workers and scheduler:
        raise typer.BadParameter("give --workers or --scheduler, not both")
    with progress_bar("fusing and assessing", None), _dask(workers, scheduler) as client:
        s = run_pipeline(m, client)
    where = ""
    if workers or scheduler:
        tiles = f"{s.tiles} tile{'' if s.tiles == 1 else 's'}"
        where = f", {tiles} on Dask" if s.tiles else ", in one process: the Dask tiles disagreed"
    console.print(f"run {s.run}: {s.observations} observations → {s.incidents} incidents, "
                  f"{s.violations} violations ({s.seconds:.1f} s{where})")  # fmt: skip


@contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[object]:
    if not workers and not scheduler:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, Client(cluster) as client:
        yield client


def status(
    dir: Path = typer.Argument(..., help="Mission folder."),
    as_json: bool = typer.Option(False, "--json"),
    database: str | None = DatabaseOpt,
) -> None:
    """Counts of what the mission holds."""
    m = open_mission(dir, database)
    with m.engine.connect() as conn:
        findings = load_findings(conn)
        out = {
            "agreement": m.agreement.id,
            "observations": count(conn, t.observations),
            "quarantined": count(conn, t.quarantine),
            "incidents": len(findings),
            "findings": len(findings),
            "violations": sum(1 for f in findings if f.outcome.value == "violation"),
            "decisions": count(conn, t.decisions),
            "record_entries": count(conn, t.log_leaves),
            "checkpoints": count(conn, t.checkpoints),
            "last_run": latest_run(conn),
        }
    print_mapping(out, as_json)


def decide(
    dir: Path = typer.Argument(..., help="Mission folder."),
    incident: str = typer.Argument(..., help="Incident id (I-…)."),
    status: Status | None = typer.Option(None, "--status", help="Move the finding to this status."),
    attribute: str | None = typer.Option(None, "--attribute", help="Re-attribute to a party, or 'undetermined'."),
    reason: str = typer.Option(..., "--reason", help="Why: kept in the record."),
    role: str = typer.Option("analyst", "--role", help="analyst or chief."),
    by: str | None = typer.Option(None, "--by", help="Who decides (default: $TRUCEWATCH_USER or login name)."),
    database: str | None = DatabaseOpt,
) -> None:
    """Record an analyst's or chief monitor's decision on an incident."""
    if (status is None) == (attribute is None):
        raise DecisionError("give exactly one of --status or --attribute")
    if role not in ("analyst", "chief"):
        raise DecisionError(f"role {role!r} cannot decide; expected analyst or chief")
    m = open_mission(dir, database)
    with m.engine.begin() as conn:
        d = record_decision(conn, m.agreement.party_ids, incident, status, attribute, reason, by or user_name(), role)
    console.print(f"decision {d.id}: {incident} {d.action} → {d.value}")
