"""Publication commands: daily reports and exports, each tied to a signed checkpoint of the record."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import typer

from trucewatch.publish.export import EXPORTERS
from trucewatch.publish.report import CheckpointRef, write_reports
from trucewatch.store.audit import record_publication
from trucewatch.store.checkpoints import StoredCheckpoint, sign_checkpoint
from trucewatch.store.mission import Mission
from trucewatch.store.observations import effective_observations
from trucewatch.store.runs import effective_findings, latest_run, load_incidents

from .common import DatabaseOpt, console, err, open_mission, progress_bar


def _checkpoint(m: Mission) -> StoredCheckpoint:
    with m.engine.begin() as conn:
        if latest_run(conn) is None:
            from trucewatch.errors import TrucewatchError

            raise TrucewatchError("nothing to publish yet: run 'trucewatch run DIR' first")
        return sign_checkpoint(m, conn)


def report(
    dir: Path = typer.Argument(..., help="Mission folder."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default DIR/reports)."),
    database: str | None = DatabaseOpt,
) -> None:
    """Write a self-contained HTML report per day of the truce, and an index."""
    m = open_mission(dir, database)
    cp = _checkpoint(m)
    with m.engine.connect() as conn:
        incidents, findings = load_incidents(conn), effective_findings(conn)
        observations = {o.id: o for o in effective_observations(conn)}
    ref = CheckpointRef(cp.size, base64.b64encode(cp.root).decode(), cp.note)
    target = out or m.reports_dir
    with progress_bar("writing daily reports", None) as p:
        task = p.task_ids[0]
        paths = write_reports(target, m.agreement, incidents, findings, observations, ref,
                              progress=lambda n, total: p.update(task, completed=n, total=total))  # fmt: skip
    with m.engine.begin() as conn:
        record_publication(conn, "report", target / "index.html", cp.size)
    err.print(f"{len(paths) - 1} daily reports, checkpoint {cp.size}")
    console.print(str((target / "index.html").resolve()))


def export(
    dir: Path = typer.Argument(..., help="Mission folder."),
    format: str = typer.Option(..., "--format", help="csv, geojson or acled."),
    out: Path = typer.Option(..., "--out", help="Output file."),
    database: str | None = DatabaseOpt,
) -> None:
    """Export findings in a deterministic order (CSV cells cannot start a spreadsheet formula)."""
    if format not in EXPORTERS:
        raise typer.BadParameter(f"expected one of {', '.join(EXPORTERS)}", param_hint="--format")
    m = open_mission(dir, database)
    cp = _checkpoint(m)
    with m.engine.connect() as conn:
        data = EXPORTERS[format](load_incidents(conn), effective_findings(conn))
    out.write_bytes(data)
    meta = out.with_name(out.name + ".checkpoint")
    meta.write_text(json.dumps({"tree_size": cp.size, "root": base64.b64encode(cp.root).decode(),
                                "checkpoint": cp.note}, indent=1) + "\n")  # fmt: skip
    with m.engine.begin() as conn:
        record_publication(conn, f"export-{format}", out, cp.size)
    console.print(f"wrote {out} (checkpoint {cp.size}, named in {meta.name})")
