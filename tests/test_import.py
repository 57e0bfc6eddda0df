"""Import into the store (SQLite and PostgreSQL): idempotent, quarantined, corrections supersede."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import ASSETS
from .helpers import csv_bytes, obs_row, past_agreement


@pytest.fixture
def past_mission(tmp_path: Path, database: str | None, cli, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    d = tmp_path / "m"
    args = ["init", d, "--agreement", past_agreement(tmp_path)]
    if database:
        monkeypatch.setenv("TRUCEWATCH_DATABASE", database)
    assert cli(*args).code == 0
    return d


def _status(cli, d: Path) -> dict:  # type: ignore[no-untyped-def]
    r = cli("status", d, "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_import_is_idempotent_and_quarantine_lists_rejects(cli, past_mission: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "obs.csv"
    f.write_bytes(csv_bytes([obs_row(client_id="a"), obs_row(client_id="b", lat="NaN"), obs_row(client_id="c")]))
    r = cli("import", past_mission, f)
    assert r.code == 3  # rows were quarantined: distinct from success (0) and usage errors (2)
    assert "obs.csv:3: lat:" in r.err
    s = _status(cli, past_mission)
    assert (s["observations"], s["quarantined"]) == (2, 1)
    r2 = cli("import", past_mission, f)
    assert r2.code == 3 and "0 new, 2 already stored" in r2.out
    s = _status(cli, past_mission)
    assert (s["observations"], s["quarantined"]) == (2, 1)  # the second import changed nothing
    q = cli("quarantine", past_mission, "--json")
    [row] = [json.loads(line) for line in q.out.splitlines()]
    assert (row["file"], row["line"], row["field"]) == ("obs.csv", 3, "lat")
    assert bytes.fromhex(row["raw"]).startswith(b"b,") or b"NaN" in bytes.fromhex(row["raw"])


def test_clean_import_exits_zero_and_usage_error_exits_two(cli, past_mission: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "ok.jsonl"
    f.write_text(json.dumps(obs_row(client_id="z")) + "\n")
    assert cli("import", past_mission, f).code == 0
    assert cli("import", past_mission, f, "--no-such-flag").code == 2
    r = cli("import", past_mission, tmp_path / "missing.csv")
    assert r.code == 1 and "missing.csv: no such file" in r.err and "Traceback" not in r.err


def test_same_id_with_different_content_is_quarantined_not_overwritten(cli, past_mission: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(csv_bytes([obs_row(client_id="dup", narrative="first")]))
    b.write_bytes(csv_bytes([obs_row(client_id="dup", narrative="second")]))
    assert cli("import", past_mission, a).code == 0
    r = cli("import", past_mission, b)
    assert r.code == 3 and "already stored with different content" in r.err
    out = tmp_path / "x.csv"
    assert cli("run", past_mission).code == 0
    assert cli("export", past_mission, "--format", "csv", "--out", out).code == 0
    assert _status(cli, past_mission)["observations"] == 1


def test_correction_supersedes_and_the_original_stays(cli, past_mission: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = tmp_path / "a.csv"
    a.write_bytes(csv_bytes([obs_row(client_id="orig", lat=51.20)]))
    fix = tmp_path / "fix.csv"
    fix.write_bytes(csv_bytes([obs_row(client_id="orig-fix", lat=51.25, supersedes="orig")]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([obs_row(client_id="x", supersedes="nothing")]))
    assert cli("import", past_mission, a).code == 0
    assert cli("import", past_mission, fix).code == 0
    assert cli("import", past_mission, bad).code == 3
    assert cli("run", past_mission).code == 0
    s = _status(cli, past_mission)
    assert s["observations"] == 2 and s["incidents"] == 1  # both kept; only the correction counts
    out = tmp_path / "f.geojson"
    cli("export", past_mission, "--format", "geojson", "--out", out)
    [feat] = json.loads(out.read_text())["features"]
    assert feat["properties"]["observations"] == "orig-fix"


def test_real_world_exports_import_through_the_cli(cli, past_mission: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("import", past_mission, ASSETS / "acled-export-sample.csv", ASSETS / "firms-viirs-sample.csv")
    assert r.code == 3  # the protest row and the bad FIRMS time are quarantined
    r = cli("import", past_mission, ASSETS / "ucdp-ged-sample.csv", "--format", "ucdp")
    assert r.code == 3
    s = _status(cli, past_mission)
    assert s["observations"] == 2 + 2 + 2 and s["quarantined"] == 3


def test_rerun_records_only_changed_findings(cli, past_mission: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "o.csv"
    f.write_bytes(csv_bytes([obs_row(client_id=f"r{i}", lat=51.2 + i * 0.05) for i in range(3)]))
    assert cli("import", past_mission, f).code == 0
    assert cli("run", past_mission).code == 0
    before = _status(cli, past_mission)["record_entries"]
    assert cli("run", past_mission).code == 0  # same findings: only the run itself enters the record
    assert _status(cli, past_mission)["record_entries"] == before + 1
    assert cli("verify", past_mission).code == 0
