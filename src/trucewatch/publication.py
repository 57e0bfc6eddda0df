"""Publishing: sign a checkpoint, write the daily reports, record the publication. Shared by CLI and server."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from trucewatch.assess.workflow import apply_decisions
from trucewatch.domain.results import Finding, Incident
from trucewatch.errors import TrucewatchError
from trucewatch.publish.report import CheckpointRef, write_reports
from trucewatch.store import schema as t
from trucewatch.store.audit import record_publication
from trucewatch.store.checkpoints import StoredCheckpoint, sign_checkpoint
from trucewatch.store.mission import Mission
from trucewatch.store.observations import effective_observations
from trucewatch.store.runs import effective_findings, latest_run, load_decisions, load_findings, load_incidents


@dataclass
class Published:
    checkpoint: StoredCheckpoint
    paths: list[Path]


def checkpoint_for_publication(m: Mission) -> StoredCheckpoint:
    with m.engine.begin() as conn:
        if latest_run(conn) is None:
            raise TrucewatchError("nothing to publish yet: run 'trucewatch run DIR' first")
        return sign_checkpoint(m, conn)


def publish_reports(
    m: Mission, out: Path | None = None, progress: Callable[[int, int], None] | None = None
) -> Published:
    cp = checkpoint_for_publication(m)
    with m.engine.connect() as conn:
        incidents, findings = load_incidents(conn), effective_findings(conn)
        observations = {o.id: o for o in effective_observations(conn)}
    ref = CheckpointRef(cp.size, base64.b64encode(cp.root).decode(), cp.note)
    target = out or m.reports_dir
    paths = write_reports(target, m.agreement, incidents, findings, observations, ref, progress=progress)
    with m.engine.begin() as conn:
        record_publication(conn, "report", target / "index.html", cp.size)
    return Published(cp, paths)


def last_publication(conn: Connection) -> datetime | None:
    q = select(t.publications.c.created_at).where(t.publications.c.kind == "report")
    return conn.execute(q.order_by(t.publications.c.seq.desc()).limit(1)).scalar_one_or_none()


def published_view(conn: Connection) -> tuple[list[Incident], list[Finding]]:
    """What the public may see: the findings as they stood at the last publication, nothing newer."""
    when = last_publication(conn)
    if when is None:
        return [], []
    q = select(t.runs.c.seq).where(t.runs.c.created_at <= when).order_by(t.runs.c.seq.desc()).limit(1)
    run = conn.execute(q).scalar_one_or_none()
    if run is None:
        return [], []
    decisions = {k: [d for d in v if d.decided_at <= when] for k, v in load_decisions(conn).items()}
    return load_incidents(conn, run), apply_decisions(load_findings(conn, run), decisions)
