"""Turn a row's fields into an Observation, or raise RowError naming the field and the reason."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from trucewatch.domain.grades import SourceGrade
from trucewatch.domain.observation import Observation
from trucewatch.intake.rows import RowError
from trucewatch.intake.text import has_undecodable

OBSERVATION_FIELDS = tuple(Observation.model_fields)
# Fields accepted in flat formats (CSV, JSON Lines) besides the model's own.
FLAT_EXTRAS = ("reliability", "credibility")


@dataclass(frozen=True)
class Context:
    """What validation needs to know beyond the row: the truce window and the current time."""

    start: datetime
    earliest: datetime
    now: datetime
    future_tolerance: timedelta
    known_place: Any = None  # callable(name) -> (lon, lat) | None

    @classmethod
    def for_agreement(cls, ag: Any, now: datetime | None = None) -> Context:
        """The window and tolerances an agreement sets; now defaults to the current time."""
        s = ag.spec.settings
        return cls(
            start=ag.start,
            earliest=ag.start - timedelta(days=s.earliest_days_before_start),
            now=now or datetime.now(UTC),
            future_tolerance=timedelta(minutes=s.future_tolerance_minutes),
            known_place=ag.place,
        )


def parse_time(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise RowError(field, f"{value!r} is not an ISO 8601 time such as 2026-12-01T10:15:00Z") from None
    if dt.tzinfo is None:
        raise RowError(field, f"{value!r} has no UTC offset; add Z or +03:00")
    return dt.astimezone(UTC)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in fields.items():
        if k is None:
            raise RowError("(row)", "more values than header columns")
        key = str(k).strip()
        if isinstance(v, str):
            if has_undecodable(v):
                raise RowError(key, "not valid UTF-8 (re-save the file as UTF-8)")
            if "\x00" in v:
                raise RowError(key, "contains a NUL byte")
            v = v.strip()
            if v == "":
                continue
        if v is None:
            continue
        if isinstance(v, float) and not math.isfinite(v):
            raise RowError(key, "must be a finite number (NaN and infinities are refused)")
        out[key] = v
    return out


def to_observation(fields: dict[str, Any], ctx: Context) -> Observation:
    data = _clean(fields)
    unknown = sorted(set(data) - set(OBSERVATION_FIELDS) - set(FLAT_EXTRAS))
    if unknown:
        raise RowError(unknown[0], "unknown field (see the observation schema in the README)")
    if "id" in data:
        raise RowError("id", "ids are assigned by Trucewatch; put your own id in client_id")
    rel, cred = data.pop("reliability", None), data.pop("credibility", None)
    if "grade" in data and not isinstance(data["grade"], dict):
        try:
            data["grade"] = SourceGrade.parse(str(data["grade"]))
        except ValueError as e:
            raise RowError("grade", str(e)) from None
    elif rel is not None or cred is not None:
        try:
            data["grade"] = SourceGrade.parse(f"{rel or 'F'}{cred or 6}")
        except ValueError as e:
            raise RowError("reliability" if rel else "credibility", str(e)) from None
    for key in ("observed_at", "reported_at"):
        if key in data:
            data[key] = parse_time(data[key], key)
    if "observed_at" not in data:
        raise RowError("observed_at", "missing (every observation needs the time it was made)")
    try:
        obs = Observation.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(row)"
        msg = err["msg"].removeprefix("Value error, ")
        raise RowError(loc, msg) from None
    if obs.observed_at > ctx.now + ctx.future_tolerance:
        raise RowError("observed_at", f"{obs.observed_at.isoformat()} is in the future (now {ctx.now.isoformat()})")
    if obs.observed_at < ctx.earliest:
        raise RowError(
            "observed_at",
            f"{obs.observed_at.isoformat()} is long before the truce starts ({ctx.start.isoformat()})",
        )
    unlocated = obs.lat is None and obs.observer_lat is None and obs.place
    if unlocated and ctx.known_place is not None and ctx.known_place(obs.place) is None:
        raise RowError("place", f"{obs.place!r} is not in the agreement's gazetteer; give lat/lon")
    return obs


def content_id(obs: Observation) -> str:
    """A stable id: the client's own id when given, else a hash of the content."""
    if obs.client_id:
        return obs.client_id
    return f"h-{content_hash(obs)[:24]}"


def content_hash(obs: Observation) -> str:
    return hash_content(obs.model_dump(mode="json", exclude={"id"}))


def hash_content(content: dict[str, Any]) -> str:
    """SHA-256 of an observation's JSON dump without its id (the form stored hashes were made from)."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
