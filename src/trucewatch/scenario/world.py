"""The simulated sector: the bundled Sudzha-like geometry with two generic parties, A (west) and B (east)."""

from __future__ import annotations

import math
import shutil
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from trucewatch.agreement.load import load_agreement
from trucewatch.agreement.model import Agreement

TEMPLATE = "sudzha"


def write_agreement(folder: Path, start: datetime, days: int, sensing: dict[str, float] | None = None) -> Path:
    """A scenario agreement: the Sudzha sector, parties renamed A and B, window starting at start; `sensing`
    is how far the scenario's equipment of each kind senses (`settings.sensing_range_m`)."""
    src = resources.files("trucewatch.examples") / TEMPLATE
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("control-west.geojson", "control-east.geojson", "contact-line.geojson"):
        shutil.copyfile(str(src / name), folder / name)
    text = (src / "agreement.yaml").read_text(encoding="utf-8")
    text = text.replace("id: sudzha-30day", "id: scenario")
    text = text.replace(
        "title: 30-day general ceasefire, Sudzha sector (illustrative)",
        f"title: Synthetic {days}-day truce, Sudzha-like sector (simulated)",
    )
    text = text.replace("{id: RU, name: Armed Forces of the Russian Federation}", "{id: B, name: Party B (east)}")
    text = text.replace("{id: UA, name: Armed Forces of Ukraine}", "{id: A, name: Party A (west)}")
    text = text.replace("UA: {file: control-west.geojson}", "A: {file: control-west.geojson}")
    text = text.replace("RU: {file: control-east.geojson}", "B: {file: control-east.geojson}")
    text = text.replace("party: UA,", "party: A,").replace("party: RU,", "party: B,")
    text = text.replace("id: ua-store-1", "id: a-store-1").replace("id: ru-store-1", "id: b-store-1")
    text = text.replace("name: UA declared", "name: A declared").replace("name: RU declared", "name: B declared")
    text = text.replace("start: 2026-12-01T00:00:00+03:00", f"start: {start.isoformat()}")
    text = text.replace("duration_days: 30", f"duration_days: {days}")
    text = text.replace("timezone: Europe/Moscow", "timezone: UTC")
    # every simulated launch is fired from inside a party's area (`sample_in`), as the agreement then states
    settings = "  public_coarsen_m: 1000\n"
    text = text.replace(settings, f"{settings}  origins_within_control_areas: true\n")
    if sensing:
        ranges = ", ".join(f"{kind}: {metres:g}" for kind, metres in sensing.items())
        text = text.replace(settings, f"{settings}  sensing_range_m: {{{ranges}}}\n")
    path = folder / "agreement.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class World:
    """Sampling helpers over the agreement's metric geometry."""

    def __init__(self, ag: Agreement, rng: np.random.Generator) -> None:
        self.ag = ag
        self.rng = rng
        self.line = ag.contact_line
        minx, miny, maxx, maxy = ag.sector_bounds()
        self.bounds = (minx, miny, maxx, maxy)

    @classmethod
    def load(cls, agreement: Path, rng: np.random.Generator) -> World:
        return cls(load_agreement(agreement), rng)

    def sample_in(self, party: str, d_lo: float, d_hi: float) -> tuple[float, float]:
        """A point in party's area whose distance from the contact line lies in [d_lo, d_hi]."""
        area = self.ag.control[party]
        minx, miny, maxx, maxy = area.bounds
        for _ in range(10_000):
            x, y = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            p = Point(x, y)
            d = self.line.distance(p)
            if d_lo <= d <= d_hi and area.contains(p):
                return float(x), float(y)
        raise RuntimeError(f"no point of {party} between {d_lo} and {d_hi} m from the line")

    def target_from(self, origin: tuple[float, float], victim: str, reach: float) -> tuple[float, float]:
        """An impact point in the victim's area within reach of the origin."""
        area = self.ag.control[victim]
        for _ in range(10_000):
            r = self.rng.uniform(0.3, 0.9) * reach
            a = self.rng.uniform(0, 2 * math.pi)
            x, y = origin[0] + r * math.sin(a), origin[1] + r * math.cos(a)
            if area.contains(Point(x, y)):
                return x, y
        return self.sample_in(victim, 500, 3000)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self.ag.projector.to_lonlat(x, y)
        return round(float(lon), 6), round(float(lat), 6)

    def true_bearing(self, ox: float, oy: float, x: float, y: float) -> float:
        """True-north bearing (degrees) from (ox, oy) to (x, y): grid bearing minus grid convergence."""
        lon, lat = self.ag.projector.to_lonlat(ox, oy)
        gamma = self.ag.projector.grid_north_offset_deg(float(lon), float(lat))
        return (math.degrees(math.atan2(x - ox, y - oy)) - gamma) % 360.0
