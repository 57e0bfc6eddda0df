"""Publication commands: daily reports and exports, each tied to a signed checkpoint of the record."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import typer

from trucewatch.publication import checkpoint_for_publication, publish_reports
from trucewatch.publish.export import EXPORTERS
from trucewatch.store.audit import record_publication
from trucewatch.store.runs import effective_findings, load_incidents

from .common import DatabaseOpt, console, err, open_mission, progress_bar


def report(
    dir: Path = typer.Argument(..., help="Mission folder."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default DIR/reports)."),
    database: str | None = DatabaseOpt,
) -> None:
    """Sign a checkpoint and write a self-contained HTML report per day of the truce, and an index."""
    m = open_mission(dir, database)
    with progress_bar("writing daily reports", None) as p:
        task = p.task_ids[0]
        pub = publish_reports(m, out, progress=lambda n, total: p.update(task, completed=n, total=total))
    err.print(f"{len(pub.paths) - 1} daily reports, checkpoint {pub.checkpoint.size}")
    console.print(str(pub.paths[-1].resolve()))


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
    cp = checkpoint_for_publication(m)
    with m.engine.connect() as conn:
        data = EXPORTERS[format](load_incidents(conn), effective_findings(conn))
    out.write_bytes(data)
    meta = out.with_name(out.name + ".checkpoint")
    meta.write_text(json.dumps({"tree_size": cp.size, "root": base64.b64encode(cp.root).decode(),
                                "checkpoint": cp.note}, indent=1) + "\n")  # fmt: skip
    with m.engine.begin() as conn:
        record_publication(conn, f"export-{format}", out, cp.size)
    console.print(f"wrote {out} (checkpoint {cp.size}, named in {meta.name})")
