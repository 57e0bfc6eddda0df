"""What every command shares: the console, the verbosity flag, progress bars, opening a mission."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
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
    ag = m.agreement
    s = ag.spec.settings
    return Context(
        start=ag.start,
        earliest=ag.start - timedelta(days=s.earliest_days_before_start),
        now=now or datetime.now(UTC),
        future_tolerance=timedelta(minutes=s.future_tolerance_minutes),
        known_place=ag.place,
    )


def user_name() -> str:
    return os.environ.get("TRUCEWATCH_USER") or getpass.getuser()


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Progress]:
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False, disable=not err.is_terminal) as p:  # fmt: skip
        p.add_task(label, total=total)
        yield p
