"""Confidence from source grades and independent corroboration, with written definitions."""

from __future__ import annotations

from collections.abc import Sequence

from trucewatch.assess.evidence import Evidence
from trucewatch.domain.enums import SourceKind

# A party's own complaint is evidence, but interested evidence: it counts at half its graded weight.
PARTY_DISCOUNT = 0.5

LEVELS = {
    "high": "At least two independent sources, one of them the mission's own, and a combined evidential "
    "strength of 0.9 or more.",
    "medium": "Combined evidential strength of 0.7 or more, or corroboration by two or more independent sources.",
    "low": "A single source, or sources whose grades give a combined strength below 0.7.",
}
DEFINITION = (
    "Each independent source (two monitors of one patrol count once) contributes the strength of its best "
    "Admiralty grade (reliability weight × credibility weight; party complaints at half weight); strengths "
    "combine as 1 − Π(1 − s)."
)


def independent_sources(obs: Sequence[Evidence]) -> dict[str, float]:
    """Independence key -> strongest graded weight among that source's reports."""
    out: dict[str, float] = {}
    for o in obs:
        w = o.grade.weight * (PARTY_DISCOUNT if o.source_kind == SourceKind.PARTY_COMPLAINT else 1.0)
        out[o.independence_key] = max(out.get(o.independence_key, 0.0), w)
    return out


def confidence(obs: Sequence[Evidence]) -> tuple[str, float, int, int]:
    """(level, score, independent sources, independent mission sources)."""
    srcs = independent_sources(obs)
    score = 1.0
    for w in srcs.values():
        score *= 1.0 - w
    score = round(1.0 - score, 4)
    mission = sum(1 for k in srcs if SourceKind(k.split(":", 1)[0]).is_mission)
    if len(srcs) >= 2 and mission >= 1 and score >= 0.9:
        level = "high"
    elif score >= 0.7 or len(srcs) >= 2:
        level = "medium"
    else:
        level = "low"
    return level, score, len(srcs), mission
