"""How far the mission's observers sense an event: per kind of observer, and per sensor where one differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trucewatch.domain.enums import SIGHTING_RANGE_M, SourceKind


@dataclass(frozen=True)
class Sensing:
    """`kinds`: each kind's reach (m); a kind left out senses as far as any of its kind (`SIGHTING_RANGE_M`).
    `sensors`: a sensor's own reach, by its kind and source id, where it differs from its kind's (a newer
    array that hears farther, a camera whose view a ridge cuts short). Neither exceeds `SIGHTING_RANGE_M`:
    the agreement's schema refuses a setting that would."""

    kinds: Mapping[SourceKind, float] = field(default_factory=dict)
    sensors: Mapping[tuple[SourceKind, str], float] = field(default_factory=dict)

    def of_kind(self, kind: SourceKind) -> float:
        return self.kinds.get(kind, SIGHTING_RANGE_M[kind])

    def of(self, kind: SourceKind, source_id: str) -> float:
        own = self.sensors.get((kind, source_id))
        return self.of_kind(kind) if own is None else own
