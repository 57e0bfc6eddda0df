"""Compare findings with a scenario's ground truth.

Definitions (printed figures mean exactly this):
- An incident's event is the true event most of its observations came from (fabricated complaints and
  reports of nothing have no event). The incident with the most observations of an event is that event's
  match; any other incident of the same event is a split.
- incident_precision: among incidents the mission itself observed (at least one mission source), the share
  that are the match of a true event. Incidents resting on party complaints alone are judged separately:
  the mission cannot know a complaint is fabricated, only refuse to call it a violation.
- incident_recall: among events at least one mission source reported, the share with a matching incident.
- attribution_accuracy: among matched violation events whose finding names a responsible party, the share
  naming the true one; attribution_coverage is the share that names one at all.
- location errors: distance from the true origin (fire) or site (anything else) to the estimate.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from trucewatch.domain.enums import SourceKind
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Finding, Incident


def evaluate(truth: dict[str, Any], incidents: list[Incident], findings: list[Finding],
             observations: dict[str, Observation]) -> dict[str, Any]:  # fmt: skip
    events = {e["id"]: e for e in truth["events"]}
    obs_event: dict[str, str | None] = truth["observations"]
    by_incident = {f.incident_id: f for f in findings}

    def ev(oid: str) -> str | None:
        o = observations.get(oid)
        return obs_event.get(o.client_id if o and o.client_id else oid)

    def mission(oid: str) -> bool:
        o = observations.get(oid)
        return bool(o and SourceKind(o.source_kind).is_mission)

    detectable = {e for oid, e in obs_event.items() if e is not None and _is_mission_client(oid, observations)}
    best: dict[str, tuple[int, str]] = {}
    inc_event: dict[str, str | None] = {}
    for inc in incidents:
        c = Counter(e for o in inc.observation_ids if (e := ev(o)) is not None)
        event = c.most_common(1)[0][0] if c else None
        inc_event[inc.id] = event
        if event is not None and any(mission(o) for o in inc.observation_ids):
            n = c[event]
            if event not in best or n > best[event][0]:
                best[event] = (n, inc.id)
    matched = {e: i for e, (_, i) in best.items()}
    observed_incidents = [i for i in incidents if any(mission(o) for o in i.observation_ids)]
    true_pos = sum(
        1 for i in observed_incidents if inc_event[i.id] is not None and matched.get(inc_event[i.id]) == i.id
    )
    precision = true_pos / len(observed_incidents) if observed_incidents else 0.0
    recall = sum(1 for e in detectable if e in matched) / len(detectable) if detectable else 0.0

    attributed = correct = violation_matched = 0
    errors: list[float] = []
    for e_id, inc_id in matched.items():
        e = events[e_id]
        f = by_incident.get(inc_id)
        inc = next(i for i in incidents if i.id == inc_id)
        if e["violation"]:
            violation_matched += 1
            if f is not None and f.responsible_party is not None:
                attributed += 1
                correct += f.responsible_party == e["party"]
        true_loc = e["origin"] if e["kind"] == "fire" else e["site"]
        est = inc.origin if e["kind"] == "fire" else inc.site
        if true_loc is not None and est is not None:
            errors.append(math.hypot(est.x - true_loc["x"], est.y - true_loc["y"]))

    complaint_only = [i for i in incidents if not any(mission(o) for o in i.observation_ids)]
    fabricated = set(truth.get("fabricated", []))
    true_counts: dict[str, int] = defaultdict(int)
    found_counts: dict[str, int] = defaultdict(int)
    for e in events.values():
        if e["violation"]:
            true_counts[e["party"]] += 1
    for f in findings:
        if f.outcome.value == "violation":
            found_counts[f.responsible_party or "undetermined"] += 1
    pairs = _pairwise(incidents, ev)
    return {
        "events": len(events),
        "events_reported_by_mission": len(detectable),
        "incidents": len(incidents),
        "incidents_observed_by_mission": len(observed_incidents),
        "incident_recall": round(recall, 4),
        "incident_precision": round(precision, 4),
        "attribution_accuracy": round(correct / attributed, 4) if attributed else 0.0,
        "attribution_coverage": round(attributed / violation_matched, 4) if violation_matched else 0.0,
        "location_error_median_m": round(float(np.median(errors)), 1) if errors else None,
        "location_error_p90_m": round(float(np.percentile(errors, 90)), 1) if errors else None,
        "pairwise_f1": pairs,
        "complaint_only_incidents": len(complaint_only),
        "complaint_only_fabricated": sum(
            1 for i in complaint_only if all(_client(o, observations) in fabricated for o in i.observation_ids)
        ),
        "complaint_only_called_violation": sum(
            1 for i in complaint_only if (f := by_incident.get(i.id)) and f.outcome.value == "violation"
        ),
        "violations_true": dict(sorted(true_counts.items())),
        "violations_found": dict(sorted(found_counts.items())),
    }  # fmt: skip


def _client(oid: str, observations: dict[str, Observation]) -> str:
    o = observations.get(oid)
    return o.client_id if o and o.client_id else oid


def _is_mission_client(client_id: str, observations: dict[str, Observation]) -> bool:
    o = observations.get(client_id)
    return bool(o and SourceKind(o.source_kind).is_mission)


def _pairwise(incidents: list[Incident], ev: Any) -> float:
    """F1 over pairs of observations placed together, against pairs that share a true event."""
    pred_pairs = true_pairs = tp = 0
    truth_groups: dict[str, int] = Counter()
    for inc in incidents:
        labels = [ev(o) for o in inc.observation_ids]
        n = len(labels)
        pred_pairs += n * (n - 1) // 2
        c = Counter(x for x in labels if x is not None)
        tp += sum(k * (k - 1) // 2 for k in c.values())
        for e, k in c.items():
            truth_groups[e] += k
    true_pairs = sum(k * (k - 1) // 2 for k in truth_groups.values())
    if not pred_pairs or not true_pairs:
        return 0.0
    p, r = tp / pred_pairs, tp / true_pairs
    return round(2 * p * r / (p + r), 4) if p + r else 0.0
