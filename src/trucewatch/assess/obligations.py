"""Each obligation as a predicate over an incident: does the clause apply, and with what probability?"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from shapely.geometry.base import BaseGeometry

from trucewatch.agreement.model import Agreement
from trucewatch.agreement.schema import Obligation
from trucewatch.assess.geoprob import probability_inside
from trucewatch.domain.enums import ObservationType, WeaponClass
from trucewatch.domain.results import Incident, LocationEstimate, ObligationResult


def _cov(loc: LocationEstimate) -> np.ndarray:
    return np.array(loc.cov, dtype=float)


Inside = Callable[[BaseGeometry | None], float]  # P(the incident's position is in this zone)


def _at(loc: LocationEstimate) -> Inside:
    def inside(zone: BaseGeometry | None) -> float:
        return probability_inside(loc.x, loc.y, _cov(loc), zone)

    return inside


def where_probability(ob: Obligation, inc: Incident, ag: Agreement, responsible: dict[str, float],
                      inside: Inside | None = None) -> float:  # fmt: skip
    """Probability that the incident happened in the clause's zone (1.0 for 'anywhere'). `inside` gives the
    probability its position lies in a zone (`geoprob.Odds`, for many incidents at once); without it, each
    is computed here (`probability_inside`)."""
    rule = ob.rule
    loc = inc.site or inc.origin
    if loc is None:
        return 1.0 if rule.where == "anywhere" else 0.0
    if inside is None:
        inside = _at(loc)
    if rule.where == "anywhere":
        p = 1.0
    elif rule.where == "buffer_zone":
        p = inside(ag.buffer_zone)
    elif rule.where == "withdrawal_zone":
        classes = [inc.weapon_class] if inc.weapon_class else []
        if rule.weapon_classes:
            classes = [c for c in classes if c in rule.weapon_classes]
        p = inside(ag.withdrawal_zone(classes))
    elif rule.where == "protected_site":
        p = inside(ag.protected_zone(rule.protected_categories))
    elif rule.where == "other_party_area":
        p = 0.0
        for pid, pr in responsible.items():
            others = ag.others_area(pid)
            if others is not None and pid in ag.control:
                p += pr * inside(others)
    else:  # pragma: no cover - the schema admits no other value
        raise ValueError(rule.where)
    if rule.exempt_storage_sites and ag.storage_sites and p > 0:
        p *= 1.0 - inside(ag.storage_zone())
    return p


def applies(ob: Obligation, inc: Incident, ag: Agreement, responsible: dict[str, float],
            inside: Inside | None = None) -> ObligationResult | None:  # fmt: skip
    rule = ob.rule
    kind = ObservationType(inc.type)
    if rule.observation_types and kind not in rule.observation_types:
        return None
    if rule.families and inc.family not in rule.families:
        return None
    if rule.weapon_classes and (inc.weapon_class or WeaponClass.UNKNOWN) not in rule.weapon_classes:
        return None
    if rule.min_count and (inc.count or 1) < rule.min_count:
        return None
    if rule.not_before and inc.end < rule.not_before:
        return None
    if rule.not_after and inc.start > rule.not_after:
        return None
    p = where_probability(ob, inc, ag, responsible, inside)
    if rule.parties and responsible:
        p *= sum(pr for pid, pr in responsible.items() if pid in rule.parties)
    if p <= 0.0:
        return None
    return ObligationResult(obligation_id=ob.id, kind=ob.kind, probability=round(p, 4))
