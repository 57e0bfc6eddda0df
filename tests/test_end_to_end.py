"""The path scenario → import → run → evaluate, with the accuracy the mission needs; demo; exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def _on(database: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command of the test stores into this backend (None: the embedded SQLite file)."""
    if database:
        monkeypatch.setenv("TRUCEWATCH_DATABASE", database)


def _stored_in(d: Path, database: str | None) -> None:
    assert (d / "trucewatch.db").exists() == (database is None), "the commands used the wrong store"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [11, 12])
def test_thirty_day_scenario_meets_the_accuracy_thresholds(cli, tmp_path: Path, seed: int, database: str | None,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _on(database, monkeypatch)
    d = tmp_path / "m"
    assert cli("scenario", d, "--seed", seed).code == 0
    assert cli("import", d, d / "inputs" / "observations.csv").code == 0
    assert cli("run", d).code == 0
    r = cli("evaluate", d, "--json")
    assert r.code == 0
    res = json.loads(r.out)
    assert res["incident_recall"] >= 0.90
    assert res["incident_precision"] >= 0.90
    assert res["attribution_accuracy"] >= 0.90
    assert res["complaint_only_called_violation"] == 0
    assert res["location_error_median_m"] < 500
    assert set(res["violations_true"]) == {"A", "B"}
    # the simulated parties violate at different rates, and the findings see the difference
    assert res["violations_found"]["B"] > res["violations_found"]["A"]
    _stored_in(d, database)


def test_evaluate_needs_a_truth_file(cli, mission: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("evaluate", mission)
    assert r.code == 1 and "no truth file" in r.err


@pytest.mark.slow
def test_demo_writes_self_contained_reports(cli, tmp_path: Path, database: str | None,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _on(database, monkeypatch)
    d = tmp_path / "demo"
    r = cli("demo", d, "--days", "5")
    assert r.code == 0
    index = Path(r.out.strip().splitlines()[-1])
    assert index == (d / "reports" / "index.html").resolve() and index.exists()
    days = sorted(index.parent.glob("day-*.html"))
    assert len(days) == 5
    for page in [index, *days]:
        html = page.read_text()
        # nothing to fetch: no remote scripts, styles, images or fonts
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert "<script src" not in html and "@import" not in html
    html = days[2].read_text()
    assert "data:image/png;base64," in html and "Activities no obligation covers" in html
    # every incident row links to its observations
    for inc in re.findall(r'<tr id="(I-[0-9a-f]+)">', html):
        assert f'id="obs-{inc}"' in html
    _stored_in(d, database)


def test_exports_are_deterministic_and_formula_safe(cli, scenario_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from .helpers import csv_bytes, obs_row

    evil = tmp_path / "evil.csv"
    start = json.loads((scenario_copy / "inputs" / "truth.json").read_text())["start"]
    evil.write_bytes(csv_bytes([obs_row(client_id="=cmd()", observed_at=start.replace("T00:00:00", "T12:00:00"),
                                        source_id="@SUM(A1)", lat=51.2, lon=35.3)]))  # fmt: skip
    assert cli("import", scenario_copy, evil).code == 0
    assert cli("run", scenario_copy).code == 0
    outs = {}
    for fmt in ("csv", "geojson", "acled"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        assert cli("export", scenario_copy, "--format", fmt, "--out", a).code == 0
        assert cli("export", scenario_copy, "--format", fmt, "--out", b).code == 0
        assert a.read_bytes() == b.read_bytes()
        outs[fmt] = a.read_text()
    import csv
    import io

    for fmt in ("csv", "acled"):
        for row in csv.reader(io.StringIO(outs[fmt])):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    assert "'=cmd()" in outs["csv"]
    doc = json.loads(outs["geojson"])
    assert doc["type"] == "FeatureCollection" and all(f["geometry"]["type"] == "Point" for f in doc["features"]
                                                      if f["geometry"])  # fmt: skip
    assert (tmp_path / "a.csv.checkpoint").exists()


@pytest.mark.slow
def test_dask_with_two_workers_gives_identical_exports(cli, tmp_path: Path, database: str | None,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _on(database, monkeypatch)
    d = tmp_path / "m"
    assert cli("scenario", d, "--days", "20", "--seed", "4").code == 0
    assert cli("import", d, d / "inputs" / "observations.csv").code == 0
    r = cli("run", d, "--workers", "2")
    # 1,765 reports make one tile (tiles hold about 10,000); seams are tested in test_fusion's space-time test
    assert r.code == 0 and "1 tile on Dask" in r.out
    assert cli("export", d, "--format", "csv", "--out", tmp_path / "dask.csv").code == 0
    assert cli("run", d).code == 0
    assert cli("export", d, "--format", "csv", "--out", tmp_path / "one.csv").code == 0
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    _stored_in(d, database)


@pytest.mark.slow
def test_run_joins_an_existing_dask_scheduler_and_gives_the_same_findings(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`--scheduler ADDRESS` joins a running cluster (here a scheduler and two worker processes started
    beforehand) instead of starting one; the findings are those of a run in one process."""
    from distributed import LocalCluster

    d = tmp_path / "m"
    assert cli("scenario", d, "--days", "10", "--seed", "6").code == 0
    assert cli("import", d, d / "inputs" / "observations.csv").code == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as running:
        r = cli("run", d, "--scheduler", running.scheduler_address)
        assert r.code == 0 and "1 tile on Dask" in r.out
        assert cli("run", d, "--workers", "2", "--scheduler", running.scheduler_address).code != 0  # one or other
    assert cli("export", d, "--format", "csv", "--out", tmp_path / "joined.csv").code == 0
    assert cli("run", d).code == 0
    assert cli("export", d, "--format", "csv", "--out", tmp_path / "one.csv").code == 0
    assert (tmp_path / "joined.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_the_scenario_declares_its_equipment_s_reach_and_where_fire_comes_from_and_both_hold(tmp_path: Path) -> None:
    """The simulated mission's agreement states its acoustic sensors' and cameras' reach, as a mission states
    its own equipment's; every launch they report lies within it (and some near its end: the setting is no
    tighter than the equipment). It also states that fire comes only from within the parties' areas: every
    simulated launch is fired from inside its party's."""
    import csv
    import math

    from trucewatch.agreement import load_agreement
    from trucewatch.domain.enums import SourceKind
    from trucewatch.scenario.generate import generate

    files = generate(tmp_path, days=10, seed=3)
    ag = load_agreement(files.agreement)
    origin = {e["id"]: e["origin"] for e in json.loads(files.truth.read_text())["events"] if e.get("origin")}
    event_of = json.loads(files.truth.read_text())["observations"]
    farthest: dict[SourceKind, float] = {SourceKind.ACOUSTIC_SENSOR: 0.0, SourceKind.FIXED_CAMERA: 0.0}
    with files.observations.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind, event = SourceKind(row["source_kind"]), event_of.get(row["client_id"])
            if kind not in farthest or event not in origin:
                continue
            x, y = ag.projector.to_xy(float(row["observer_lon"]), float(row["observer_lat"]))
            d = math.hypot(origin[event]["x"] - float(x), origin[event]["y"] - float(y))
            farthest[kind] = max(farthest[kind], d)
    for kind, d in farthest.items():
        assert 0.8 * ag.sensing_range[kind] < d <= ag.sensing_range[kind], kind
    assert ag.sensing_range[SourceKind.ACOUSTIC_SENSOR] < 35_000  # narrower than any acoustic sensor's
    assert ag.spec.settings.origins_within_control_areas
    fired = [e for e in json.loads(files.truth.read_text())["events"] if e.get("origin") and e.get("party")]
    assert fired and all(ag.party_at(e["origin"]["x"], e["origin"]["y"]) == e["party"] for e in fired)


def test_fire_positions_keep_the_scenario_s_standoff_from_the_line_and_reach_it_without_one(tmp_path: Path) -> None:
    """Guns are fired from behind the line (`FIRE_STANDOFF_M`); with a standoff of 0, fire positions reach up
    to the line, where the attribution's flat prior holds (the fusion benchmark's `--standoff 0`)."""
    from shapely.geometry import Point

    from trucewatch.agreement import load_agreement
    from trucewatch.scenario.events import FIRE_STANDOFF_M
    from trucewatch.scenario.generate import generate

    def depths(standoff: float) -> list[float]:
        files = generate(tmp_path / str(standoff), days=10, seed=2, standoff=standoff)
        line = load_agreement(files.agreement).contact_line
        events = json.loads(files.truth.read_text())["events"]
        return [line.distance(Point(e["origin"]["x"], e["origin"]["y"])) for e in events if e.get("origin")]

    assert FIRE_STANDOFF_M == 300
    kept = depths(FIRE_STANDOFF_M)
    assert kept and min(kept) >= FIRE_STANDOFF_M
    reached = depths(0.0)
    assert sum(d < FIRE_STANDOFF_M for d in reached) >= 5


def test_simulated_bearings_are_stated_within_0_to_360() -> None:
    """A bearing just short of north, rounded to the report's places, is north (0), not 360, which the intake
    refuses: the scenario lost such reports to quarantine."""
    from trucewatch.scenario.sensors import _reported

    assert _reported(359.996, 2) == 0.0 and _reported(-0.004, 2) == 0.0 and _reported(359.96, 1) == 0.0
    assert _reported(-10.123, 2) == 349.88 and _reported(123.456, 2) == 123.46
