"""What every command shares: the console, the verbosity flag, progress bars, opening a mission."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from trucewatch.intake.validate import Context
from trucewatch.store.mission import Mission

console = Console()
err = Console(stderr=True)
STATE = {"verbose": False}

EXIT_QUARANTINED = 3

DatabaseOpt = typer.Option(None, "--database", help="Database URL (postgresql://…); default: SQLite in DIR, "
                           "or $TRUCEWATCH_DATABASE.")  # fmt: skip


def open_mission(path: Path, database: str | None) -> Mission:
    return Mission.open(path, database)


def intake_context(m: Mission, now: datetime | None = None) -> Context:
    return Context.for_agreement(m.agreement, now)


def user_name() -> str:
    return os.environ.get("TRUCEWATCH_USER") or getpass.getuser()


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Progress]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False, disable=not err.is_terminal) as p:  # fmt: skip
        p.add_task(label, total=total)
        yield p


def print_mapping(data: dict[str, object], as_json: bool, width: int = 16) -> None:
    """One JSON object for programs, or aligned `key: value` lines for people."""
    if as_json:
        print(json.dumps(data, sort_keys=True))
        return
    for k, v in data.items():
        console.print(f"{k:>{width}}: {v}")
