"""The status workflow: statuses move only by recorded decisions, and only along allowed edges."""

from __future__ import annotations

from trucewatch.domain.enums import Status
from trucewatch.domain.results import Decision, Finding
from trucewatch.errors import DecisionError

S = Status
TRANSITIONS: dict[Status, set[Status]] = {
    S.REPORTED: {S.UNDER_REVIEW, S.DISMISSED},
    S.UNDER_REVIEW: {S.CORROBORATED, S.UNVERIFIED, S.DISPUTED, S.DISMISSED},
    S.CORROBORATED: {S.VERIFIED, S.UNVERIFIED, S.DISPUTED, S.DISMISSED},
    S.VERIFIED: {S.DISPUTED, S.UNDER_REVIEW},
    S.UNVERIFIED: {S.UNDER_REVIEW, S.DISMISSED},
    S.DISPUTED: {S.UNDER_REVIEW, S.DISMISSED},
    S.DISMISSED: {S.UNDER_REVIEW},
}
# Who may set each status. Only the chief monitor verifies.
ROLES_FOR: dict[Status, set[str]] = {
    S.VERIFIED: {"chief"},
    **{s: {"analyst", "chief"} for s in Status if s != S.VERIFIED},
}


def check_status_change(current: Status, target: Status, finding: Finding | None, role: str) -> None:
    """Raise DecisionError naming why a status change is refused."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current]))
        raise DecisionError(f"cannot move from {current.value} to {target.value}; allowed: {allowed}")
    if role not in ROLES_FOR[target]:
        raise DecisionError(f"role {role!r} may not set {target.value}; needs {' or '.join(sorted(ROLES_FOR[target]))}")
    if finding is None:
        return
    if target == S.VERIFIED and finding.mission_sources < 1:
        raise DecisionError(
            "cannot verify: no mission source observed this incident (a party's complaint alone never verifies)"
        )
    if target == S.CORROBORATED and finding.independent_sources < 2:
        raise DecisionError(
            f"cannot corroborate: {finding.independent_sources} independent source; corroboration needs 2 or more"
        )


def current_status(decisions: list[Decision]) -> Status:
    status = S.REPORTED
    for d in decisions:
        if d.action == "status":
            status = Status(d.value)
    return status


def current_attribution(decisions: list[Decision]) -> str | None:
    party = None
    for d in decisions:
        if d.action == "attribute":
            party = None if d.value == "undetermined" else d.value
    return party


def apply_decisions(findings: list[Finding], decisions: dict[str, list[Decision]]) -> list[Finding]:
    """Findings as they stand after the decisions recorded since they were computed."""
    out = []
    for f in findings:
        ds = decisions.get(f.incident_id, [])
        if not ds:
            out.append(f)
            continue
        update: dict[str, object] = {"status": current_status(ds)}
        if any(d.action == "attribute" for d in ds):
            update["responsible_party"] = current_attribution(ds)
        out.append(f.model_copy(update=update))
    return out
