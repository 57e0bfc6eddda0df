"""Who is responsible: probabilities per party from where the estimated origin (or site) lies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from trucewatch.agreement.model import Agreement
from trucewatch.assess.evidence import Evidence
from trucewatch.assess.geoprob import OUTSIDE, party_lower_bounds_along, party_probabilities_many
from trucewatch.domain.results import LINE_ONLY, Incident, LocationEstimate

UNPLACED = "unplaced"  # the share a lone bearing cannot place: it says the direction, not the distance
NOT_A_PARTY = (OUTSIDE, UNPLACED)


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
    points = [(k, loc, basis) for k, loc, basis in located if loc.method != LINE_ONLY]
    if points:
        within = ag.spec.settings.origins_within_control_areas
        for (k, _, basis), p in zip(points, party_probabilities_many(*_columns(points), ag.control), strict=True):
            if within and incidents[k].family == "fire" and p.get(OUTSIDE, 0.0) > 0.0:
                p, basis = _within_areas(p, basis)
            out[k] = (p, basis)
    lines = [(k, loc, basis) for k, loc, basis in located if loc.method == LINE_ONLY]
    if lines:
        for (k, _, basis), p in zip(lines, party_lower_bounds_along(*_columns(lines), ag.control), strict=True):
            out[k] = (_with_unplaced(p), basis + "; the least any place along the bearing's span gives")
    return out


def _columns(located: list[tuple[int, LocationEstimate, str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([loc.x for _, loc, _ in located]), np.array([loc.y for _, loc, _ in located]),
            np.array([loc.cov for _, loc, _ in located], dtype=float))  # fmt: skip


MIN_INSIDE = 0.01  # below this share inside the areas, the position contradicts "fire only from within them"


def _within_areas(probs: dict[str, float], basis: str) -> tuple[dict[str, float], str]:
    """Probabilities conditional on the origin lying in some party's area (the agreement's
    `settings.origins_within_control_areas`): the share beyond the map is where it ends, not a third place.
    A position almost wholly outside the areas contradicts that premise and keeps its outside share."""
    inside = sum(p for q, p in probs.items() if q != OUTSIDE)
    if inside < MIN_INSIDE:
        return probs, basis
    conditional = {q: round(p / inside, 4) for q, p in probs.items() if q != OUTSIDE}
    return conditional, (f"{basis}; conditional on the origin lying in a party's area, as the agreement states "
                         f"({probs[OUTSIDE]:.2f} of it lay beyond the mapped areas)")  # fmt: skip


def _with_unplaced(probs: dict[str, float]) -> dict[str, float]:
    """Lower bounds along a line leave a share no area is sure of: stated, as `UNPLACED`, never spread over
    the parties (a bearing without a distance is about as often wrong as right about which side fired)."""
    rest = round(1.0 - sum(probs.values()), 4)
    return {**probs, UNPLACED: rest} if rest > 1e-4 else probs


def responsible_party(probs: dict[str, float], threshold: float) -> str | None:
    """The party whose probability reaches the threshold, or None: undetermined is an honest answer."""
    best = max(((p, k) for k, p in probs.items() if k not in NOT_A_PARTY), default=(0.0, None))
    return best[1] if best[0] >= threshold else None
