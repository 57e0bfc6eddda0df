"""Raw rows as read from a file, and what intake makes of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trucewatch.domain.observation import Observation

MAX_ROW_BYTES = 64 * 1024


@dataclass(frozen=True)
class RawRow:
    """One record of an input file: where it came from, its exact bytes, its parsed fields."""

    file: str
    line: int
    raw: bytes
    fields: dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    """A row that could not become an observation, kept with its raw bytes for review."""

    file: str
    line: int
    field: str
    reason: str
    raw: bytes

    def describe(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class IntakeResult:
    accepted: list[tuple[RawRow, Observation]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class RowError(Exception):
    """Raised by validation with the offending field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
