"""An agreement compiled for use: validated schema plus geometry projected to local metres."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import prepared
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from trucewatch.agreement.projection import Projector
from trucewatch.agreement.schema import AgreementFile, Obligation
from trucewatch.domain.enums import SIGHTING_RANGE_M, SourceKind, WeaponClass
from trucewatch.domain.sensing import Sensing


def place_in(places: dict[str, tuple[float, float]], name: str) -> tuple[float, float] | None:
    """A named place's (lon, lat) in a gazetteer keyed by case-folded names (aliases included)."""
    return places.get(name.strip().casefold())


@dataclass
class Site:
    id: str
    name: str
    category: str
    lon: float
    lat: float
    zone: BaseGeometry  # metric, buffered by the site's radius
    detail: str = ""
    party: str | None = None


@dataclass
class Agreement:
    """Everything later steps need from the agreement, in one object."""

    spec: AgreementFile
    source_text: str
    base: Path
    projector: Projector
    control: dict[str, BaseGeometry]  # metric
    contact_line: BaseGeometry | None
    buffer_zone: BaseGeometry | None
    withdrawal: dict[WeaponClass, tuple[float, BaseGeometry]]  # class -> (distance km, metric zone)
    protected_sites: list[Site]
    storage_sites: list[Site]
    places: dict[str, tuple[float, float]]
    attributions: list[str] = field(default_factory=list)
    _prepared: dict[str, Any] = field(default_factory=dict)
    _unions: dict[tuple[str, ...], BaseGeometry | None] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def digest(self) -> str:
        """SHA-256 of the agreement text as loaded, so records can name the exact version."""
        return hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()

    @property
    def party_ids(self) -> list[str]:
        return [p.id for p in self.spec.parties if p.role == "party"]

    @property
    def start(self) -> datetime:
        return self.spec.window.start

    @property
    def stop(self) -> datetime:
        return self.spec.window.stop

    @property
    def obligations(self) -> list[Obligation]:
        return self.spec.obligations

    @property
    def sensing_range(self) -> dict[SourceKind, float]:
        """How far each kind of observer senses (m): the agreement's setting, else the farthest of its kind."""
        return {k: self.spec.settings.sensing_range_m.get(k, v) for k, v in SIGHTING_RANGE_M.items()}

    @property
    def sensing(self) -> Sensing:
        """How far the mission's observers sense: each kind's reach and each sensor's own where declared."""
        own = self.spec.settings.sensor_range_m
        return Sensing(self.sensing_range, {(k, sid): m for k, sensors in own.items() for sid, m in sensors.items()})

    def to_metric(self, geom_lonlat: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom_lonlat, lambda c: np.column_stack(self.projector.to_xy(c[:, 0], c[:, 1])))

    def to_lonlat(self, geom_xy: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom_xy, lambda c: np.column_stack(self.projector.to_lonlat(c[:, 0], c[:, 1])))

    def party_at(self, x: float, y: float) -> str | None:
        """The party controlling a metric point, or None outside every area of control."""
        pt = Point(x, y)
        for pid, geom in self.control.items():
            key = f"control:{pid}"
            if key not in self._prepared:
                self._prepared[key] = prepared.prep(geom)
            if self._prepared[key].contains(pt):
                return pid
        return None

    def _union(self, key: tuple[str, ...], parts: list[BaseGeometry]) -> BaseGeometry | None:
        """The union of these zones (None for none), made once per agreement and key: assessment asks for the
        same few for every incident, and a new geometry each time would be prepared and indexed anew for
        each (`geoprob` keeps that work per geometry object)."""
        if key not in self._unions:
            self._unions[key] = unary_union(parts) if parts else None
        return self._unions[key]

    def protected_zone(self, categories: list[str]) -> BaseGeometry | None:
        """The protected sites of these categories (all where none is named), as one zone."""
        wanted = set(categories)
        key = ("protected", *sorted(wanted))
        return self._union(key, [s.zone for s in self.protected_sites if not wanted or s.category in wanted])

    def storage_zone(self) -> BaseGeometry | None:
        """The declared storage sites, as one zone."""
        return self._union(("storage",), [s.zone for s in self.storage_sites])

    def withdrawal_zone(self, classes: list[WeaponClass]) -> BaseGeometry | None:
        """Where these weapon classes must be withdrawn from, as one zone (None where none of them is)."""
        wanted = sorted({c for c in classes if c in self.withdrawal})
        return self._union(("withdrawal", *wanted), [self.withdrawal[c][1] for c in wanted])

    def others_area(self, party: str) -> BaseGeometry | None:
        """The areas of control of every party but this one, as one zone."""
        return self._union(("others", party), [g for q, g in self.control.items() if q != party])

    def sector_bounds(self) -> tuple[float, float, float, float]:
        """Metric bounds of everything local (control areas, line), for maps."""
        geoms = list(self.control.values())
        if self.contact_line is not None:
            geoms.append(self.contact_line.buffer(5000))
        if not geoms:
            geoms = [s.zone for s in self.protected_sites]
        return unary_union(geoms).bounds

    def place(self, name: str) -> tuple[float, float] | None:
        return place_in(self.places, name)
