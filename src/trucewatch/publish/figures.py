"""The figures a report states, computed from findings alone so anyone can recompute them from the record."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from trucewatch.domain.results import Finding, Incident


def local_day(t: datetime, tz: str) -> date:
    return t.astimezone(ZoneInfo(tz)).date()


def truce_days(start: datetime, stop: datetime, tz: str, until: date | None = None) -> list[date]:
    first, last = local_day(start, tz), local_day(stop - timedelta(seconds=1), tz)
    if until is not None:
        last = min(last, until)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def empty_day(parties: list[str]) -> dict[str, Any]:
    return {"violations": {p: 0 for p in [*parties, "undetermined"]}, "obligations": {}, "outcomes": {},
            "uncovered_activities": 0, "findings": []}  # fmt: skip


def figures(findings: list[Finding], incidents: dict[str, Incident], parties: list[str], tz: str) -> dict[str, Any]:
    """Per local day: violations per party (and undetermined), per obligation, outcomes; every count lists
    the finding ids behind it, so each figure traces back to incidents and observations."""
    per_day: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "violations": Counter(), "obligations": Counter(), "outcomes": Counter(), "uncovered": 0, "findings": [],
    })  # fmt: skip
    for f in sorted(findings, key=lambda f: f.id):
        inc = incidents[f.incident_id]
        d = per_day[local_day(inc.start, tz).isoformat()]
        d["findings"].append(f.id)
        d["outcomes"][f.outcome.value] += 1
        if f.outcome.value == "violation":
            d["violations"][f.responsible_party or "undetermined"] += 1
            for r in f.obligations:
                if r.kind == "prohibited" and r.probability >= 0.5:
                    d["obligations"][r.obligation_id] += 1
        if f.uncovered_activity:
            d["uncovered"] += 1
    out: dict[str, Any] = {}
    for day, d in sorted(per_day.items()):
        out[day] = {
            "violations": {p: d["violations"].get(p, 0) for p in [*parties, "undetermined"]},
            "obligations": dict(sorted(d["obligations"].items())),
            "outcomes": dict(sorted(d["outcomes"].items())),
            "uncovered_activities": d["uncovered"],
            "findings": d["findings"],
        }
    return out
