"""What fusion and assessment produce: location estimates, incidents, findings, decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from trucewatch.domain.enums import Outcome, Status, WeaponClass

# The method of an estimate made from one bearing that gives no distance: a line (the sensor's span along the
# bearing), not a point; attribution reads it so.
LINE_ONLY = "bearing only"


class LocationEstimate(BaseModel):
    """A point with a 2×2 covariance in local east/north metres (the uncertainty ellipse)."""

    model_config = ConfigDict(frozen=True)

    lat: float
    lon: float
    x: float  # local metric east, metres, in the agreement's projection
    y: float  # local metric north
    cov: tuple[tuple[float, float], tuple[float, float]]
    method: str  # "triangulation", "bearing+distance", LINE_ONLY, "combined", "direct", "mean", "place"
    n_measurements: int = 1

    @property
    def sigma_m(self) -> float:
        """Root of the larger eigenvalue: the ellipse's 1-sigma semi-major axis."""
        a, b, c = self.cov[0][0], self.cov[0][1], self.cov[1][1]
        tr, det = a + c, a * c - b * b
        return float(((tr / 2) + max(tr * tr / 4 - det, 0.0) ** 0.5) ** 0.5)


class Incident(BaseModel):
    """One real-world event that one or more observations describe."""

    model_config = ConfigDict(frozen=True)

    id: str
    observation_ids: tuple[str, ...]
    type: str
    family: str
    start: datetime
    end: datetime
    origin: LocationEstimate | None = None
    site: LocationEstimate | None = None  # the impact, or the place of a non-fire event
    weapon_class: WeaponClass | None = None
    count: int | None = None


class ObligationResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    obligation_id: str
    kind: str  # "prohibited" or "report"
    probability: float  # probability that the incident falls under the clause (location uncertainty)


class Finding(BaseModel):
    """The assessment of one incident against the agreement."""

    model_config = ConfigDict(frozen=True)

    id: str
    incident_id: str
    outcome: Outcome
    obligations: tuple[ObligationResult, ...] = ()
    responsibility: dict[str, float] = Field(default_factory=dict)
    responsible_party: str | None = None
    confidence: str = "low"
    confidence_score: float = 0.0
    independent_sources: int = 0
    mission_sources: int = 0
    evidence: tuple[str, ...] = ()
    uncovered_activity: bool = False
    rationale: str = ""
    status: Status = Status.REPORTED


class Decision(BaseModel):
    """An analyst's or chief monitor's recorded act, with who, when and why."""

    model_config = ConfigDict(frozen=True)

    id: str
    incident_id: str
    action: str  # "status" | "attribute" | "publish"
    value: str
    reason: str = Field(min_length=3)
    decided_by: str
    role: str
    decided_at: datetime


_Model = TypeVar("_Model", bound=BaseModel)
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}  # shared, never changed: a copy takes its own


def computed(model: type[_Model], **values: Any) -> _Model:
    """A frozen model from values our own code computed already in its fields' types (fusion's incidents and
    their estimates), every field given: built without validating what needs none, and all such instances of
    a class share one fields-set. A million incidents would otherwise spend seconds and about 1.7 KB each on
    sets of field names. Input read from files, stores and requests is always validated.

    The instance is set up as `model_construct` sets it up (its `__dict__`, fields-set, no extra and no
    private values), without that method's per-field defaulting, which every field being given makes moot
    and which costs three times a validated construction. The tests check such models equal validated ones."""
    fields = _ALL_FIELDS.get(model)
    if fields is None:
        fields = _ALL_FIELDS[model] = set(model.model_fields)
    if values.keys() != fields:
        raise TypeError(f"{model.__name__}: every field must be given; missing or unknown: "
                        f"{sorted(fields ^ values.keys())}")  # fmt: skip
    m = model.__new__(model)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", fields)
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m
