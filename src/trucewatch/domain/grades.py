"""The Admiralty (NATO AJP-2.1) source grading: reliability A–F (and G) and credibility 1–6."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
    "G": "deliberately deceptive",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
# Weights used to turn a grade into evidential strength; F and 6 (cannot be judged) sit in the middle.
_REL_WEIGHT = {"A": 0.95, "B": 0.8, "C": 0.65, "D": 0.45, "E": 0.25, "F": 0.5, "G": 0.0}
_CRED_WEIGHT = {1: 0.95, 2: 0.8, 3: 0.6, 4: 0.35, 5: 0.15, 6: 0.5}
_GRADE_RE = re.compile(r"^([A-Ga-g])\s*([1-6])$")


class SourceGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    reliability: str = "F"
    credibility: int = 6

    @classmethod
    def parse(cls, text: str) -> SourceGrade:
        """Parse 'B2' style grades; raise ValueError naming the accepted form."""
        m = _GRADE_RE.match(text.strip())
        if not m:
            raise ValueError(f"grade {text!r} is not an Admiralty grade such as 'B2' (A–G then 1–6)")
        return cls(reliability=m.group(1).upper(), credibility=int(m.group(2)))

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"

    @property
    def weight(self) -> float:
        """Evidential strength in [0, 1]: reliability weight times credibility weight."""
        return _REL_WEIGHT[self.reliability] * _CRED_WEIGHT[self.credibility]
