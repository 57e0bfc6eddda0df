"""A local metric projection (UTM zone of the agreement's centre) so distances are in metres."""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer


class Projector:
    """Forward (lon/lat → x/y metres) and inverse transforms for one agreement."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        zone = int((lon0 + 180) // 6) + 1
        epsg = (32600 if lat0 >= 0 else 32700) + zone
        self.crs = CRS.from_epsg(epsg)
        self._fwd = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._inv = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)

    def __reduce__(self) -> tuple[type[Projector], tuple[float, float]]:
        return (Projector, (self.lon0, self.lat0))  # rebuilt where it is unpickled (a Dask worker)

    def to_xy(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._fwd.transform(lon, lat)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._inv.transform(x, y)
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def grid_north_offset_deg(self, lon: float, lat: float) -> float:
        """Angle (degrees) from true north to grid north at a point, to correct bearings."""
        x0, y0 = self.to_xy(lon, lat)
        x1, y1 = self.to_xy(lon, lat + 0.01)
        return float(np.degrees(np.arctan2(float(x1 - x0), float(y1 - y0))))
