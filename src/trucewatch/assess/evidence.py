"""What assessment reads from each report behind an incident: an `Observation`, or fusion's slimmer
`Report` of one (so that a run over a million observations need not hold a million parsed models)."""

from __future__ import annotations

from typing import Protocol

from trucewatch.domain.enums import SourceKind
from trucewatch.domain.grades import SourceGrade


class Evidence(Protocol):
    @property
    def subject_party(self) -> str | None: ...

    @property
    def source_kind(self) -> SourceKind: ...

    @property
    def grade(self) -> SourceGrade: ...

    @property
    def independence_key(self) -> str: ...
