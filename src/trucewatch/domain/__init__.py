"""The vocabulary of Trucewatch as typed models. Imports nothing else of the package."""

from trucewatch.domain.enums import (
    Aspect,
    ObservationType,
    Outcome,
    SourceKind,
    Status,
    TimePrecision,
    WeaponClass,
)
from trucewatch.domain.grades import SourceGrade
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Decision, Finding, Incident, LocationEstimate, ObligationResult

__all__ = [
    "Aspect",
    "Decision",
    "Finding",
    "Incident",
    "LocationEstimate",
    "Observation",
    "ObligationResult",
    "ObservationType",
    "Outcome",
    "SourceGrade",
    "SourceKind",
    "Status",
    "TimePrecision",
    "WeaponClass",
]
