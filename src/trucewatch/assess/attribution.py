"""Who is responsible: probabilities per party from where the estimated origin (or site) lies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from trucewatch.agreement.model import Agreement
from trucewatch.assess.evidence import Evidence
from trucewatch.assess.geoprob import party_probabilities_many
from trucewatch.domain.results import Incident, LocationEstimate


def responsibility(inc: Incident, obs: Sequence[Evidence], ag: Agreement) -> tuple[dict[str, float], str]:
    """Probabilities per party and a one-line basis. Empty when nothing locates the responsible end."""
    return responsibilities([inc], [obs], ag)[0]


def responsibilities(
    incidents: list[Incident], observations: Sequence[Sequence[Evidence]], ag: Agreement
) -> list[tuple[dict[str, float], str]]:
    """`responsibility` for many incidents, with the area probabilities computed together."""
    out: list[tuple[dict[str, float], str]] = []
    located: list[tuple[int, LocationEstimate, str]] = []
    for inc, obs in zip(incidents, observations, strict=True):
        if inc.family == "fire":
            loc, basis = inc.origin, "estimated origin of fire"
        else:
            loc, basis = inc.site or inc.origin, "location of the activity"
            named = Counter(o.subject_party for o in obs if o.subject_party and o.source_kind.is_mission)
            if named:
                party, n = named.most_common(1)[0]
                if party in ag.party_ids and n == sum(named.values()):
                    out.append(({party: 1.0}, f"identified as {party} by the mission's observers"))
                    continue
        if loc is None or not ag.control:
            out.append(({}, "origin not located" if inc.family == "fire" else "no location"))
            continue
        located.append((len(out), loc, f"{basis} ({loc.method}, 1σ {loc.sigma_m:.0f} m) within areas of control"))
        out.append(({}, ""))
    if located:
        probs = party_probabilities_many(
            np.array([loc.x for _, loc, _ in located]), np.array([loc.y for _, loc, _ in located]),
            np.array([loc.cov for _, loc, _ in located], dtype=float), ag.control,
        )  # fmt: skip
        for (k, _, basis), p in zip(located, probs, strict=True):
            out[k] = (p, basis)
    return out


def responsible_party(probs: dict[str, float], threshold: float) -> str | None:
    """The party whose probability reaches the threshold, or None: undetermined is an honest answer."""
    best = max(((p, k) for k, p in probs.items() if k != "outside"), default=(0.0, None))
    return best[1] if best[0] >= threshold else None
