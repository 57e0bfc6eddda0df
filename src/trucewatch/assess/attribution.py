"""Who is responsible: probabilities per party from where the estimated origin (or site) lies."""

from __future__ import annotations

from collections import Counter

import numpy as np

from trucewatch.agreement.model import Agreement
from trucewatch.assess.geoprob import party_probabilities
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident


def responsibility(inc: Incident, obs: list[Observation], ag: Agreement) -> tuple[dict[str, float], str]:
    """Probabilities per party and a one-line basis. Empty when nothing locates the responsible end."""
    if inc.family == "fire":
        loc, basis = inc.origin, "estimated origin of fire"
    else:
        loc, basis = inc.site or inc.origin, "location of the activity"
        named = Counter(o.subject_party for o in obs if o.subject_party and o.source_kind.is_mission)
        if named:
            party, n = named.most_common(1)[0]
            if party in ag.party_ids and n == sum(named.values()):
                return {party: 1.0}, f"identified as {party} by the mission's observers"
    if loc is None or not ag.control:
        return {}, "origin not located" if inc.family == "fire" else "no location"
    probs = party_probabilities(loc.x, loc.y, np.array(loc.cov), ag.control)
    return probs, f"{basis} ({loc.method}, 1σ {loc.sigma_m:.0f} m) within areas of control"


def responsible_party(probs: dict[str, float], threshold: float) -> str | None:
    """The party whose probability reaches the threshold, or None: undetermined is an honest answer."""
    best = max(((p, k) for k, p in probs.items() if k != "outside"), default=(0.0, None))
    return best[1] if best[0] >= threshold else None
