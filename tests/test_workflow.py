"""The status workflow: moved only by recorded decisions, along allowed edges, by the right role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trucewatch.assess.workflow import check_status_change
from trucewatch.domain.enums import Outcome, Status
from trucewatch.domain.results import Finding
from trucewatch.errors import DecisionError


def _finding(mission: int, independent: int) -> Finding:
    return Finding(id="F", incident_id="I", outcome=Outcome.VIOLATION, mission_sources=mission,
                   independent_sources=independent)  # fmt: skip


def test_allowed_path_to_verified() -> None:
    f = _finding(1, 2)
    check_status_change(Status.REPORTED, Status.UNDER_REVIEW, f, "analyst")
    check_status_change(Status.UNDER_REVIEW, Status.CORROBORATED, f, "analyst")
    check_status_change(Status.CORROBORATED, Status.VERIFIED, f, "chief")


@pytest.mark.parametrize(
    ("current", "target", "finding", "role", "message"),
    [
        (Status.REPORTED, Status.VERIFIED, _finding(1, 2), "chief", "cannot move from reported to verified"),
        (Status.CORROBORATED, Status.VERIFIED, _finding(1, 2), "analyst", "needs chief"),
        (Status.CORROBORATED, Status.VERIFIED, _finding(0, 2), "chief", "complaint alone never verifies"),
        (Status.UNDER_REVIEW, Status.CORROBORATED, _finding(1, 1), "analyst", "needs 2 or more"),
        (Status.UNDER_REVIEW, Status.UNDER_REVIEW, _finding(1, 1), "analyst", "allowed:"),
    ],
)
def test_refused_moves_say_why(current: Status, target: Status, finding: Finding, role: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        check_status_change(current, target, finding, role)


def _incident_with(cli, d: Path, tmp_path: Path, predicate) -> str:  # type: ignore[no-untyped-def]
    out = tmp_path / "f.geojson"
    assert cli("export", d, "--format", "geojson", "--out", out).code == 0
    feats = json.loads(out.read_text())["features"]
    return next(f["properties"]["incident_id"] for f in feats if predicate(f["properties"]))


def test_decisions_are_recorded_with_who_when_why_and_change_the_status(
    cli, scenario_copy: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    inc = _incident_with(cli, scenario_copy, tmp_path, lambda p: p["outcome"] == "violation"
                         and p["independent_sources"] >= 2 and p["confidence"] == "high")  # fmt: skip
    steps = [("under_review", "analyst"), ("corroborated", "analyst"), ("verified", "chief")]
    for status, role in steps:
        r = cli("decide", scenario_copy, inc, "--status", status, "--reason", f"checked footage ({status})",
                "--role", role, "--by", f"{role}-1")  # fmt: skip
        assert r.code == 0, r.err
    r = cli("decide", scenario_copy, inc, "--status", "corroborated", "--reason", "no", "--role", "analyst")
    assert r.code == 1 and "cannot move from verified to corroborated" in r.err
    out = tmp_path / "after.csv"
    cli("export", scenario_copy, "--format", "csv", "--out", out)
    assert f"{inc}," in out.read_text() and ",verified," in next(
        line for line in out.read_text().splitlines() if inc in line
    )
    from trucewatch.store.mission import Mission
    from trucewatch.store.runs import load_decisions

    with Mission.open(scenario_copy).engine.connect() as conn:
        ds = load_decisions(conn)[inc]
    assert [(d.value, d.decided_by, d.role) for d in ds] == [(s, f"{r}-1", r) for s, r in steps]
    assert all(d.reason.startswith("checked footage") and d.decided_at.tzinfo for d in ds)


def test_complaint_only_incident_cannot_be_verified(cli, scenario_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from trucewatch.store.mission import Mission
    from trucewatch.store.observations import effective_observations
    from trucewatch.store.runs import load_incidents

    with Mission.open(scenario_copy).engine.connect() as conn:
        kinds = {o.id: o.source_kind.value for o in effective_observations(conn)}
        inc = next(i.id for i in load_incidents(conn)
                   if all(kinds[o] == "party_complaint" for o in i.observation_ids))  # fmt: skip
    assert cli("decide", scenario_copy, inc, "--status", "under_review", "--reason", "look").code == 0
    r = cli("decide", scenario_copy, inc, "--status", "corroborated", "--reason", "one source only")
    assert r.code == 1 and "corroboration needs 2" in r.err


def test_reattribution_is_a_decision(cli, scenario_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inc = _incident_with(cli, scenario_copy, tmp_path, lambda p: p["responsible_party"] == "A")
    assert cli("decide", scenario_copy, inc, "--attribute", "B", "--reason", "crater analysis").code == 0
    assert cli("decide", scenario_copy, inc, "--attribute", "Z", "--reason", "typo").code == 1
    out = tmp_path / "x.csv"
    cli("export", scenario_copy, "--format", "csv", "--out", out)
    row = next(line for line in out.read_text().splitlines() if inc in line)
    assert ",B," in row
