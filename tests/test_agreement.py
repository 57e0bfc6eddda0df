"""Agreement files: the bundled examples load; every kind of mistake is named by its key path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Point

from trucewatch.agreement import load_agreement
from trucewatch.domain.enums import WeaponClass
from trucewatch.errors import AgreementError

from .conftest import EXAMPLES, SUDZHA


def test_sudzha_example_compiles_with_minsk_withdrawal_distances() -> None:
    ag = load_agreement(SUDZHA)
    assert ag.party_ids == ["RU", "UA"]
    assert {wc: km for wc, (km, _) in ag.withdrawal.items()} == {
        WeaponClass.MORTAR: 15, WeaponClass.TANK: 15, WeaponClass.ARTILLERY: 25,
        WeaponClass.MLRS: 35, WeaponClass.HEAVY_ROCKET: 70,
    }  # fmt: skip
    # Sudzha itself lies west of the simplified contact line, in the area the example gives UA
    x, y = ag.projector.to_xy(35.2708, 51.1917)
    assert ag.party_at(float(x), float(y)) == "UA"
    # a 15 km zone holds exactly the points within 15 km of the line, on either side
    zone = ag.withdrawal[WeaponClass.MORTAR][1]
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = ag.contact_line.bounds
    for x, y in rng.uniform([minx - 30_000, miny - 30_000], [maxx + 30_000, maxy + 30_000], size=(300, 2)):
        d = ag.contact_line.distance(Point(x, y))
        if abs(d - 15_000) > 200:
            assert zone.contains(Point(x, y)) == (d < 15_000)
    assert (ag.stop - ag.start).days == 30


def test_energy_moratorium_protects_every_bundled_power_plant_with_attribution() -> None:
    ag = load_agreement(EXAMPLES / "energy-moratorium" / "agreement.yaml")
    assert len(ag.protected_sites) == 64
    cats = {s.category for s in ag.protected_sites}
    assert {"nuclear_plant", "dam", "power_generation"} <= cats
    assert any("World Resources Institute" in a for a in ag.attributions)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "a.yaml"
    p.write_text(text)
    return p


BASE = """
id: t
title: test
parties: [{id: A, name: a}, {id: B, name: b}]
window: {start: 2026-01-01T00:00:00Z, duration_days: 30}
geography:
  places: [{name: X, lat: 50, lon: 30}]
obligations:
  - {id: O1, text: no fire, kind: prohibited, rule: {families: [fire]}}
"""


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("kind: prohibited", "kind: forbidden"), "obligations.0.kind"),
        (("duration_days: 30", "duration_days: 30, end: 2026-02-01T00:00:00Z"), "window"),
        (("start: 2026-01-01T00:00:00Z", "start: 2026-01-01T00:00:00"), "UTC offset"),
        (("rule: {families: [fire]}", "rule: {families: [fire], parties: [C]}"), "unknown party 'C'"),
        (
            ("rule: {families: [fire]}", "rule: {observation_types: [shelling]}"),
            "obligations.0.rule.observation_types.0",
        ),
        (("places: [{name: X, lat: 50, lon: 30}]", "places: [{name: X, lat: 95, lon: 30}]"), "geography.places.0.lat"),
        (("title: test", "title: test\nsurprise: 1"), "surprise"),
        (("window: {", "window: {timezone: Mars/Olympus, "), "unknown time zone"),
        # a setting narrows how far a kind of observer senses; no acoustic sensor hears 50 km
        (
            ("title: test", "title: test\nsettings: {sensing_range_m: {acoustic_sensor: 50000}}"),
            "settings.sensing_range_m: Value error, acoustic_sensor: 50000 m is outside 100 to 35000 m",
        ),
        (("title: test", "title: test\nsettings: {sensing_range_m: {sonar: 5000}}"), "settings.sensing_range_m.sonar"),
        # a sensor's own reach is bounded as its kind's is
        (
            ("title: test", "title: test\nsettings: {sensor_range_m: {fixed_camera: {cam-2: 25000}}}"),
            "settings.sensor_range_m: Value error, fixed_camera.cam-2: 25000 m is outside 100 to 20000 m",
        ),
        (
            ("title: test", "title: test\nsettings: {sensor_range_m: {acoustic_sensor: {' ': 5000}}}"),
            "acoustic_sensor: a sensor's source id is empty",
        ),
        (("title: test", "title: test\nsettings: {sensor_range_m: {cam-2: 5000}}"), "settings.sensor_range_m.cam-2"),
    ],
)
def test_schema_errors_name_the_key_path(tmp_path: Path, edit: tuple[str, str], needle: str) -> None:
    with pytest.raises(AgreementError) as e:
        load_agreement(_write(tmp_path, BASE.replace(*edit)))
    assert needle in str(e.value)
    assert str(tmp_path / "a.yaml") in str(e.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match=r"line \d+"):
        load_agreement(_write(tmp_path, BASE + "  - {id: O2, text: [unclosed\n"))


def test_missing_geometry_file_is_named(tmp_path: Path) -> None:
    text = BASE.replace("  places:", "  control: {A: {file: nowhere.geojson}}\n  places:")
    with pytest.raises(AgreementError, match=r"geography.control.A.file: .*nowhere.geojson does not exist"):
        load_agreement(_write(tmp_path, text))


def test_withdrawal_zone_needs_a_contact_line(tmp_path: Path) -> None:
    text = BASE.replace("  places:", "  withdrawal_zones: [{weapon_classes: [mortar], distance_km: 15}]\n  places:")
    with pytest.raises(AgreementError, match="withdrawal_zones.0: needs geography.contact_line"):
        load_agreement(_write(tmp_path, text))


def test_a_sensor_s_own_reach_is_read_by_its_kind_and_id(tmp_path: Path) -> None:
    from trucewatch.domain.enums import SourceKind

    settings = "{sensing_range_m: {acoustic_sensor: 20000}, sensor_range_m: {acoustic_sensor: {acoustic-7: 30000}}}"
    text = BASE.replace("title: test", f"title: test\nsettings: {settings}")
    sensing = load_agreement(_write(tmp_path, text)).sensing
    assert sensing.of(SourceKind.ACOUSTIC_SENSOR, "acoustic-7") == 30_000
    assert sensing.of(SourceKind.ACOUSTIC_SENSOR, "acoustic-8") == 20_000
    assert sensing.of(SourceKind.FIXED_CAMERA, "acoustic-7") == sensing.of_kind(SourceKind.FIXED_CAMERA) == 20_000


def test_sensing_ranges_are_the_settings_else_the_farthest_of_each_kind(tmp_path: Path) -> None:
    from trucewatch.domain.enums import SIGHTING_RANGE_M, SourceKind

    text = BASE.replace("title: test", "title: test\nsettings: {sensing_range_m: {acoustic_sensor: 20000}}")
    ranges = load_agreement(_write(tmp_path, text)).sensing_range
    assert ranges[SourceKind.ACOUSTIC_SENSOR] == 20_000
    assert {k: v for k, v in ranges.items() if k != SourceKind.ACOUSTIC_SENSOR} == {
        k: v for k, v in SIGHTING_RANGE_M.items() if k != SourceKind.ACOUSTIC_SENSOR
    }


def test_the_projection_keeps_distances_true_along_a_long_front() -> None:
    """An agreement's metric projection follows its front: along a 2,000 km line, a kilometre measured on
    the map is a kilometre on the ground at both ends (a UTM zone stretched it 1.2 % at 1,000 km), and grid
    north is true north at the centre."""
    import numpy as np
    from pyproj import Geod

    from trucewatch.agreement.projection import Projector

    geod = Geod(ellps="WGS84")
    lon0, lat0 = 30.0, 48.0
    ends = [geod.fwd(lon0, lat0, az, d)[:2] for az, d in ((80.0, 1_000_000.0), (260.0, 1_000_000.0))]
    line = np.array([ends[1], (lon0, lat0), ends[0]])
    p = Projector.along(lon0, lat0, line[:, 0], line[:, 1])
    assert abs(p.azimuth - 80.0) < 2.0 and abs(p.grid_north_offset_deg(lon0, lat0)) < 1e-6
    for lon, lat in ends:
        nudged = geod.fwd(lon, lat, 80.0, 1000.0)[:2]
        x0, y0 = p.to_xy(lon, lat)
        x1, y1 = p.to_xy(*nudged)
        assert abs(float(np.hypot(x1 - x0, y1 - y0)) - 1000.0) < 0.5  # under 0.05 %
