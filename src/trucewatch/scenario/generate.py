"""Write a mission folder's inputs for a simulated truce: agreement, observations CSV and truth file."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from trucewatch.scenario.events import FIRE_STANDOFF_M, PARTIES, generate_events
from trucewatch.scenario.sensors import SENSING_RANGE_M, Reporter, place_sensors
from trucewatch.scenario.world import World, write_agreement

FABRICATED_PER_DAY = 0.4
CSV_FIELDS = (
    "client_id", "observed_at", "time_precision", "source_kind", "source_id", "source_group", "observer_lat",
    "observer_lon", "type", "aspect", "bearing_deg", "bearing_sigma_deg", "direction", "fire_bearing_deg",
    "distance_min_m", "distance_max_m", "lat", "lon", "location_precision_m", "weapon_class", "count",
    "alleging_party", "accused_party", "subject_party", "grade", "narrative",
)  # fmt: skip


@dataclass
class ScenarioFiles:
    agreement: Path
    observations: Path
    truth: Path
    events: int
    observations_count: int


def default_start(days: int, now: datetime | None = None) -> datetime:
    """The truce ends yesterday, so nothing it produces lies in the future."""
    now = now or datetime.now(UTC)
    end = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    return end - timedelta(days=days)


def generate(
    folder: Path,
    days: int = 30,
    seed: int = 1,
    start: datetime | None = None,
    density: float = 1.0,
    standoff: float = FIRE_STANDOFF_M,
) -> ScenarioFiles:
    start = start or default_start(days)
    rng = np.random.default_rng(seed)
    inputs = folder / "inputs"
    agreement = write_agreement(inputs, start, days, SENSING_RANGE_M)
    world = World.load(agreement, rng)
    events = generate_events(world, start, days, density, standoff)
    reporter = Reporter(world, place_sensors(world), start + timedelta(days=days))
    for e in events:
        if e.kind == "fire":
            reporter.fire(e)
        else:
            reporter.sighting(e)
    fabricated = []
    for day in range(days):
        for party in PARTIES:
            for _ in range(rng.poisson(FABRICATED_PER_DAY)):
                where = world.sample_in(party, 500, 5000)
                t = start + timedelta(days=day, seconds=float(rng.uniform(0, 86400)))
                reporter.complaint(party, "B" if party == "A" else "A", where, t, None)
                fabricated.append(reporter.rows[-1]["client_id"])
    rows = sorted(reporter.rows, key=lambda r: (r["observed_at"], r["client_id"]))
    obs_path = inputs / "observations.csv"
    with obs_path.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="raise")
        wr.writeheader()
        for r in rows:
            wr.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in CSV_FIELDS})
    truth = {
        "seed": seed,
        "days": days,
        "start": start.isoformat(),
        "events": [e.to_json(world) for e in events],
        "observations": reporter.truth,
        "fabricated": fabricated,
    }
    truth_path = inputs / "truth.json"
    truth_path.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return ScenarioFiles(agreement, obs_path, truth_path, len(events), len(rows))
