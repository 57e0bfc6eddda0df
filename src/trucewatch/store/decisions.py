"""Recording analysts' and the chief monitor's decisions, shared by the command line and the server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Connection

from trucewatch.assess.workflow import check_status_change, current_status
from trucewatch.domain.enums import Status
from trucewatch.domain.results import Decision
from trucewatch.errors import DecisionError
from trucewatch.store.runs import add_decision, load_decisions, load_findings


def record_decision(
    conn: Connection, parties: list[str], incident: str, status: Status | None, attribute: str | None,
    reason: str, who: str, role: str,
) -> Decision:  # fmt: skip
    """Check a decision against the workflow and append it to the store and the record."""
    findings = {f.incident_id: f for f in load_findings(conn)}
    finding = findings.get(incident)
    if finding is None:
        raise DecisionError(f"no incident {incident!r} in the latest run; see 'trucewatch export' for ids")
    past = load_decisions(conn).get(incident, [])
    if status is not None:
        check_status_change(current_status(past), status, finding, role)
        action, value = "status", status.value
    else:
        assert attribute is not None
        if attribute != "undetermined" and attribute not in parties:
            raise DecisionError(f"unknown party {attribute!r}; expected one of {', '.join(parties)}")
        action, value = "attribute", attribute
    now = datetime.now(UTC)
    did = "D-" + hashlib.sha256(f"{incident}|{action}|{value}|{who}|{now.isoformat()}".encode()).hexdigest()[:16]
    d = Decision(id=did, incident_id=incident, action=action, value=value, reason=reason, decided_by=who, role=role,
                 decided_at=now)  # fmt: skip
    add_decision(conn, d)
    return d
