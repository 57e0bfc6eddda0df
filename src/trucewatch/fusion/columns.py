"""Observations as fusion reads them: one compact array per field, filled while the observations stream past.

A parsed `Observation` carries its text, provenance and validation state and takes a few kilobytes; fusion
needs a few numbers and names of it. Reading a file or a store into these columns, one observation at a
time, lets a million be fused without holding a million models."""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from trucewatch.domain.enums import Aspect, ObservationType, SourceKind, TimePrecision, WeaponClass
from trucewatch.domain.grades import SourceGrade
from trucewatch.domain.observation import Observation, independence_key

SOURCE_KINDS = list(SourceKind)
TIME_PRECISIONS = list(TimePrecision)
ASPECTS = list(Aspect)
WEAPON_CLASSES = list(WeaponClass)
OBSERVATION_TYPES = list(ObservationType)
# one lookup per enum: members of different enums with the same value compare equal as strings
_SK = {e: k for k, e in enumerate(SOURCE_KINDS)}
_TP = {e: k for k, e in enumerate(TIME_PRECISIONS)}
_AS = {e: k for k, e in enumerate(ASPECTS)}
_WC = {e: k for k, e in enumerate(WEAPON_CLASSES)}
_OT = {e: k for k, e in enumerate(OBSERVATION_TYPES)}
NO_ASPECT = -1  # the report named no aspect: its type's default applies

FLOATS = (
    "t", "lon", "lat", "observer_lon", "observer_lat", "bearing", "bearing_sigma", "fire_bearing",
    "distance", "distance_min", "distance_max", "location_precision",
)  # fmt: skip
# "named": 1 where the report names a place (fusion reads these codes, not the reports, for every report)
CODES = ("source_kind", "time_precision", "aspect", "weapon_class", "geo_precision", "type", "named")


@dataclass(frozen=True, slots=True)
class Report:
    """What fusion and assessment read from an observation besides its numbers."""

    id: str
    source_id: str
    source_kind: SourceKind
    type: ObservationType
    observed_at: datetime
    place: str | None
    weapon_class: WeaponClass | None
    count: int | None
    subject_party: str | None
    source_group: str | None
    grade: SourceGrade

    @classmethod
    def of(cls, o: Observation) -> Report:
        # a source files many reports, and grades repeat: one copy of each serves them all
        group = sys.intern(o.source_group) if o.source_group else o.source_group
        grade = _GRADES.setdefault((o.grade.reliability, o.grade.credibility), o.grade)
        return cls(o.id, sys.intern(o.source_id), o.source_kind, o.type, o.observed_at, o.place, o.weapon_class,
                   o.count, o.subject_party, group, grade)  # fmt: skip

    @property
    def independence_key(self) -> str:
        return independence_key(self.source_kind, self.source_group, self.source_id)


_GRADES: dict[tuple[str, int], SourceGrade] = {}


class ObservationColumns:
    """Observations in arrival order as `Report`s plus one array per number (NaN where absent) and per code
    (the index of the enum member; `NO_ASPECT` and geo precision 0 where absent)."""

    def __init__(self) -> None:
        self.reports: list[Report] = []
        self._floats = {k: array("d") for k in FLOATS}
        self._codes = {k: array("b") for k in CODES}

    def __len__(self) -> int:
        return len(self.reports)

    @classmethod
    def of(cls, observations: Iterable[Observation]) -> ObservationColumns:
        cols = cls()
        cols.extend(observations)
        return cols

    def extend(self, observations: Iterable[Observation]) -> None:
        floats = [self._floats[k].append for k in FLOATS]
        codes = [self._codes[k].append for k in CODES]
        for o in observations:
            self.reports.append(Report.of(o))
            eb = o.effective_bearing or (None, None)
            numbers = (
                o.observed_at.timestamp(), o.lon, o.lat, o.observer_lon, o.observer_lat, eb[0], eb[1],
                o.fire_bearing_deg, o.distance_m, o.distance_min_m, o.distance_max_m, o.location_precision_m,
            )  # fmt: skip
            for put, v in zip(floats, numbers, strict=True):
                put(math.nan if v is None else v)
            named = (
                _SK[o.source_kind], _TP[o.time_precision], NO_ASPECT if o.aspect is None else _AS[o.aspect],
                _WC[o.weapon_class or WeaponClass.UNKNOWN], o.geo_precision or 0, _OT[o.type], bool(o.place),
            )  # fmt: skip
            for put, k in zip(codes, named, strict=True):
                put(k)

    def __getstate__(self) -> dict[str, object]:
        # pickled (as Dask sends a tile's rows to a worker) with the reports as one list per field: a third of
        # the time to pickle them one object at a time, and under half to load them again
        fields = tuple(Report.__dataclass_fields__)
        return {"reports": tuple([getattr(r, f) for r in self.reports] for f in fields),
                "floats": self._floats, "codes": self._codes}  # fmt: skip

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.reports = [Report(*row) for row in zip(*state["reports"], strict=True)]
        self._floats, self._codes = state["floats"], state["codes"]

    def take(self, rows: np.ndarray) -> ObservationColumns:
        """These rows (indices, in the given order) as columns of their own."""
        out = ObservationColumns()
        out.reports = [self.reports[k] for k in rows.tolist()]
        for name, col in self._floats.items():
            out._floats[name].frombytes(np.asarray(col, dtype=float)[rows].tobytes())
        for name, col in self._codes.items():
            out._codes[name].frombytes(np.frombuffer(col, dtype=np.int8)[rows].tobytes())
        return out

    def floats(self) -> dict[str, np.ndarray]:
        """Each number as a float array (copies: the columns may still grow)."""
        return {k: np.array(v, dtype=float) for k, v in self._floats.items()}

    def codes(self) -> dict[str, np.ndarray]:
        return {k: np.array(v, dtype=np.int64) for k, v in self._codes.items()}
