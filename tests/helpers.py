"""Small builders shared by tests."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trucewatch.intake.validate import Context

from .conftest import SUDZHA

NOW = datetime(2026, 10, 20, tzinfo=UTC)
TRUCE_START = datetime(2026, 10, 1, tzinfo=UTC)


def ctx(now: datetime = NOW) -> Context:
    return Context(TRUCE_START, TRUCE_START - timedelta(days=7), now, timedelta(minutes=10), None)


def past_agreement(tmp_path: Path, start: str = "2026-10-01T00:00:00+00:00") -> Path:
    """The Sudzha example with its window moved into the past, so observations are not 'in the future'."""
    folder = tmp_path / "agreement"
    folder.mkdir(exist_ok=True)
    for f in SUDZHA.parent.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    p = folder / "agreement.yaml"
    p.write_text(p.read_text().replace("start: 2026-12-01T00:00:00+03:00", f"start: {start}"))
    return p


def obs_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "client_id": "c1", "observed_at": "2026-10-05T10:00:00Z", "time_precision": "minute",
        "source_kind": "monitor_patrol", "source_id": "patrol-1", "type": "explosion",
        "lat": 51.2, "lon": 35.3, "grade": "B2",
    }  # fmt: skip
    row.update(over)
    return {k: v for k, v in row.items() if v is not None}


def csv_bytes(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    cols = columns or sorted({k for r in rows for k in r})
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in cols})
    return buf.getvalue().encode()
