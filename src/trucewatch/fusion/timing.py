"""Sound arrival times as a check on a position: an acoustic sensor reports when the sound of a launch
reached it, so at the true origin every such report implies the same moment of firing (arrival time minus
distance over the speed of sound), to within the second the times are reported in and the error of the
position. Three bearings with one wild among them can meet well at a wrong place (any two rays cross); the
times they imply there disagree by many seconds. Fusion uses this only to doubt an estimate and to choose
which report to leave out, never to move an estimate."""

from __future__ import annotations

import numpy as np

from trucewatch.domain.enums import SPEED_OF_SOUND_M_S, Aspect, SourceKind, TimePrecision
from trucewatch.fusion.batch import MeasurementArrays
from trucewatch.fusion.measure import TAU_S, Measurement, ObsView

DOUBT_S = 5.0  # implied firing times spread wider than this: the position is doubted
CONSISTENT_S = 3.0  # a position whose implied times fall within this is consistent with them
_ACOUSTIC_TAU = TAU_S[SourceKind.ACOUSTIC_SENSOR, TimePrecision.SECOND]  # acoustic, reported to the second


def is_arrival(v: ObsView, m: Measurement) -> bool:
    """Whether this measurement is an acoustic bearing to a launch reported to the second: its report's time
    is when the sound arrived."""
    return (m.ray is not None and m.aspect == Aspect.ORIGIN and v.report.source_kind == SourceKind.ACOUSTIC_SENSOR
            and v.tau <= _ACOUSTIC_TAU)  # fmt: skip


def arrivals(owners: list[ObsView], measurements: list[Measurement]) -> np.ndarray:
    """Per measurement, the sound's arrival time where `is_arrival`, NaN otherwise."""
    return np.array([v.t if is_arrival(v, m) else np.nan for v, m in zip(owners, measurements, strict=True)])


def spread(table: MeasurementArrays, arrival: np.ndarray, ex: np.ndarray, ey: np.ndarray, n: int) -> np.ndarray:
    """Per group, how far apart (s) the firing times its timed reports imply at the group's position; 0
    where fewer than two reports are timed."""
    timed = ~np.isnan(arrival)
    g = table.group[timed]
    fired = arrival[timed] - np.hypot(ex[g] - table.x[timed], ey[g] - table.y[timed]) / SPEED_OF_SOUND_M_S
    hi, lo = np.full(n, -np.inf), np.full(n, np.inf)
    np.maximum.at(hi, g, fired)
    np.minimum.at(lo, g, fired)
    return np.where(np.bincount(g, minlength=n) >= 2, hi - lo, 0.0)


def timed_counts(table: MeasurementArrays, arrival: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(table.group[~np.isnan(arrival)], minlength=n)
