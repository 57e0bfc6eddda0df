"""Assess every incident against the agreement: outcome, obligations, responsibility, confidence."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np

from trucewatch.agreement.model import Agreement
from trucewatch.assess.attribution import responsibilities, responsibility, responsible_party
from trucewatch.assess.confidence import confidence
from trucewatch.assess.evidence import Evidence
from trucewatch.assess.geoprob import Odds
from trucewatch.assess.obligations import Inside, applies
from trucewatch.assess.workflow import current_attribution, current_status
from trucewatch.domain.enums import Outcome
from trucewatch.domain.results import Decision, Finding, Incident
from trucewatch.fusion.collector import collector_paused

UNCOVERED_FAMILIES = {"mobilisation", "training", "resupply", "movement", "weapon"}
VIOLATION_P = 0.5  # a prohibited clause applies when its zone probability reaches this
UNDETERMINED_P = 0.2  # between this and VIOLATION_P, location uncertainty leaves it undetermined


def finding_id(incident_id: str) -> str:
    return "F-" + hashlib.sha256(incident_id.encode()).hexdigest()[:16]


def assess_incident(
    inc: Incident,
    obs: Sequence[Evidence],
    ag: Agreement,
    decisions: list[Decision] | None = None,
    attribution: tuple[dict[str, float], str] | None = None,
    inside: Inside | None = None,
) -> Finding:
    """The finding for one incident; `attribution` is its `responsibility`, when already computed, and
    `inside` the probability its position lies in a zone, when computed for many (`where_probability`)."""
    decisions = decisions or []
    probs, basis = attribution if attribution is not None else responsibility(inc, obs, ag)
    threshold = ag.spec.settings.attribution_threshold
    party = responsible_party(probs, threshold)
    override = current_attribution(decisions)
    if override is not None or any(d.action == "attribute" for d in decisions):
        party = override
    level, score, n_src, n_mission = confidence(obs)
    results = [r for ob in ag.obligations if (r := applies(ob, inc, ag, probs, inside)) is not None]
    prohibited = [r for r in results if r.kind == "prohibited"]
    strong = [r for r in prohibited if r.probability >= VIOLATION_P]
    weak = [r for r in prohibited if UNDETERMINED_P <= r.probability < VIOLATION_P]
    in_window = inc.end >= ag.start and inc.start < ag.stop
    reasons = []
    if not in_window:
        outcome = Outcome.NO_VIOLATION
        reasons.append("outside the agreement's time window")
    elif strong and n_mission == 0 and n_src < 2:
        outcome = Outcome.UNDETERMINED
        reasons.append("alleged by a single non-mission source; not yet corroborated")
    elif strong:
        outcome = Outcome.VIOLATION
        reasons.append("breaches " + ", ".join(r.obligation_id for r in strong))
    elif weak:
        outcome = Outcome.UNDETERMINED
        reasons.append("location too uncertain to say whether " + ", ".join(r.obligation_id for r in weak) + " applies")
    else:
        outcome = Outcome.NO_VIOLATION
        noted = [r.obligation_id for r in results if r.kind == "report"]
        reasons.append(("reportable under " + ", ".join(noted)) if noted else "no obligation covers it")
    uncovered = outcome == Outcome.NO_VIOLATION and not results and inc.family in UNCOVERED_FAMILIES
    if probs:
        attribution = f"responsibility from {basis}: " + (f"{party}" if party else "undetermined")
    else:
        attribution = f"responsibility undetermined ({basis})"
    return Finding(
        id=finding_id(inc.id),
        incident_id=inc.id,
        outcome=outcome,
        obligations=tuple(results),
        responsibility=probs,
        responsible_party=party,
        confidence=level,
        confidence_score=score,
        independent_sources=n_src,
        mission_sources=n_mission,
        evidence=inc.observation_ids,
        uncovered_activity=uncovered,
        rationale="; ".join([*reasons, attribution]),
        status=current_status(decisions),
    )


def assess(
    incidents: list[Incident],
    observations: Mapping[str, Evidence],
    ag: Agreement,
    decisions: dict[str, list[Decision]] | None = None,
) -> list[Finding]:
    decisions = decisions or {}
    with collector_paused():  # as in fusion: many short-lived objects, no cycles
        obs = [[observations[o] for o in i.observation_ids] for i in incidents]
        odds = _odds(incidents)  # where each incident lies, zone by zone, decided for all at once
        return [
            assess_incident(i, o, ag, decisions.get(i.id, []), a, partial(odds.inside, k))
            for k, (i, o, a) in enumerate(zip(incidents, obs, responsibilities(incidents, obs, ag), strict=True))
        ]


def _odds(incidents: list[Incident]) -> Odds:
    """The incidents' positions (the site, else the origin: as `where_probability` reads them) for `Odds`;
    an incident with neither gets a stand-in it is never asked about."""
    locs = [i.site or i.origin for i in incidents]
    x = np.array([loc.x if loc is not None else 0.0 for loc in locs])
    y = np.array([loc.y if loc is not None else 0.0 for loc in locs])
    cov = np.array([loc.cov if loc is not None else ((1.0, 0.0), (0.0, 1.0)) for loc in locs], dtype=float)
    return Odds(x, y, cov.reshape(len(locs), 2, 2))
