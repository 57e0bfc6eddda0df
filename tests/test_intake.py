"""Every reader with good and hostile input: accepted rows become observations, nothing is dropped."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trucewatch.domain.enums import ObservationType, SourceKind, TimePrecision
from trucewatch.intake.formats import FORMATS, detect_format, read_bytes, read_file
from trucewatch.intake.rows import MAX_ROW_BYTES

from .conftest import ASSETS
from .helpers import csv_bytes, ctx, obs_row


def test_csv_good_rows_become_observations() -> None:
    rows = [obs_row(client_id=f"c{i}") for i in range(3)]
    rows.append(obs_row(client_id="b", lat=None, lon=None, observer_lat=51.25, observer_lon=35.35, direction="sse",
                        distance_min_m=2000, distance_max_m=4000, aspect="impact"))  # fmt: skip
    res = read_bytes(csv_bytes(rows), "good.csv", ctx(), "csv")
    assert not res.rejected
    assert len(res.accepted) == 4
    o = res.accepted[-1][1]
    assert o.direction == "SSE" and o.effective_bearing[0] == 157.5
    assert o.grade.code == "B2" and o.source_kind is SourceKind.MONITOR_PATROL


def test_jsonl_uses_the_csv_field_names() -> None:
    lines = [
        json.dumps(obs_row(client_id="j1", count=3, weapon_class="mortar")),
        "",
        json.dumps(obs_row(client_id="j2")),
    ]
    res = read_bytes("\n".join(lines).encode(), "good.jsonl", ctx(), "jsonl")
    assert [o.client_id for _, o in res.accepted] == ["j1", "j2"]
    assert res.accepted[0][1].count == 3
    assert res.accepted[1][0].line == 3


def test_geojson_point_gives_location() -> None:
    props = obs_row(client_id="g1")
    props.pop("lat"), props.pop("lon")
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.31, 51.21]}, "properties": props},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[35, 51], [36, 52]]},
         "properties": props},
    ]}  # fmt: skip
    res = read_bytes(json.dumps(doc).encode(), "g.geojson", ctx(), "geojson")
    assert res.accepted[0][1].lon == 35.31 and res.accepted[0][1].lat == 51.21
    assert res.rejected[0].field == "features[1].geometry" and "Point" in res.rejected[0].reason


def test_acled_export_maps_types_and_keeps_day_precision() -> None:
    path = ASSETS / "acled-export-sample.csv"
    assert detect_format(path, path.read_bytes()) == "acled"
    res = read_file(path, ctx())
    got = {o.client_id: o for _, o in res.accepted}
    assert got["acled-RUS12001"].type is ObservationType.EXPLOSION
    assert got["acled-RUS12002"].type is ObservationType.ARMED_CLASH
    assert got["acled-RUS12002"].geo_precision == 2
    assert all(o.time_precision is TimePrecision.DAY and o.source_kind is SourceKind.OPEN_SOURCE for o in got.values())
    [protest] = res.rejected
    assert protest.line == 4 and protest.field == "sub_event_type" and "Peaceful protest" in protest.reason


def test_ucdp_ged_with_format_flag() -> None:
    res = read_file(ASSETS / "ucdp-ged-sample.csv", ctx(), "ucdp")
    got = {o.client_id: o for _, o in res.accepted}
    assert got["ucdp-560001"].type is ObservationType.ARMED_CLASH and got["ucdp-560001"].geo_precision == 1
    assert got["ucdp-560002"].type is ObservationType.CIVILIAN_HARM and got["ucdp-560002"].geo_precision == 3
    [bad] = res.rejected
    assert bad.field == "type_of_violence" and bad.line == 4


def test_firms_detections_are_satellite_thermal_anomalies() -> None:
    res = read_file(ASSETS / "firms-viirs-sample.csv", ctx())
    assert len(res.accepted) == 2
    o = res.accepted[0][1]
    assert o.type is ObservationType.THERMAL_ANOMALY and o.source_kind is SourceKind.SATELLITE
    assert (o.observed_at.hour, o.observed_at.minute) == (1, 34)
    assert o.grade.code == "B2"  # high confidence
    assert res.accepted[1][1].observed_at == o.observed_at  # "134" is 01:34 too
    [bad] = res.rejected
    assert bad.field == "acq_time" and bad.line == 4


# --- hostile input: every bad row is named by file, line, field and reason; the good rows still come in ---

GOOD = obs_row(client_id="good")


def _one_bad(bad: dict[str, object]) -> tuple[list, list]:
    res = read_bytes(csv_bytes([GOOD, bad], sorted(set(GOOD) | set(bad))), "hostile.csv", ctx(), "csv")
    return res.accepted, res.rejected


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (obs_row(client_id="x", lat="NaN"), "lat", "finite"),
        (obs_row(client_id="x", lon="inf"), "lon", "finite"),
        (obs_row(client_id="x", lat="-Infinity"), "lat", "finite"),
        (obs_row(client_id="x", lat=91), "lat", "less than or equal to 90"),
        (obs_row(client_id="x", lon=-181), "lon", "greater than or equal to -180"),
        (obs_row(client_id="x", observed_at="2027-01-01T00:00:00Z"), "observed_at", "in the future"),
        (obs_row(client_id="x", observed_at="2025-01-01T00:00:00Z"), "observed_at", "long before the truce"),
        (obs_row(client_id="x", observed_at="2026-10-05 10:00"), "observed_at", "UTC offset"),
        (obs_row(client_id="x", observed_at="yesterday"), "observed_at", "ISO 8601"),
        (obs_row(client_id="x", type="shelling"), "type", "Input should be"),
        (obs_row(client_id="x", grade="Z9"), "grade", "Admiralty"),
        (obs_row(client_id="x", direction="NNNE"), "direction", "16 compass points"),
        (obs_row(client_id="x", source_kind="party_complaint"), "(row)", "alleging_party"),
        (obs_row(client_id="x", lat=None, lon=None), "(row)", "no location"),
        (obs_row(client_id="x", bearing_deg=400), "bearing_deg", "less than 360"),
        (obs_row(client_id="x", narrative="x" * 20_000), "narrative", "at most 10000"),
        (obs_row(client_id="x", surprise="1"), "surprise", "unknown field"),
    ],
)
def test_bad_values_are_rejected_with_field_and_reason(bad: dict[str, object], field: str, reason: str) -> None:
    accepted, rejected = _one_bad(bad)
    assert [o.client_id for _, o in accepted] == ["good"]
    [r] = rejected
    assert (r.file, r.line, r.field) == ("hostile.csv", 3, field)
    assert reason in r.reason


def test_wrong_encoding_is_kept_raw_and_named() -> None:
    data = csv_bytes([GOOD, obs_row(client_id="latin", narrative="Суджа")])
    latin = data.replace("Суджа".encode(), "caf\xe9".encode("latin-1"))
    res = read_bytes(latin, "latin1.csv", ctx(), "csv")
    [r] = res.rejected
    assert r.field == "narrative" and "UTF-8" in r.reason
    assert b"caf\xe9" in r.raw  # the exact bytes are kept for review
    assert len(res.accepted) == 1


def test_truncated_line_and_nul_byte_and_huge_row() -> None:
    data = csv_bytes([GOOD, obs_row(client_id="t"), obs_row(client_id="n"), obs_row(client_id="h")])
    lines = data.split(b"\n")
    lines[2] = lines[2][: len(lines[2]) // 2]  # truncated
    lines[3] = lines[3].replace(b"patrol-1", b"pat\x00rol")
    lines[4] = lines[4].replace(b"patrol-1", b"p" * (MAX_ROW_BYTES + 10))
    res = read_bytes(b"\n".join(lines), "t.csv", ctx(), "csv")
    assert [o.client_id for _, o in res.accepted] == ["good"]
    reasons = {r.line: r.reason for r in res.rejected}
    assert "truncated" in reasons[3]
    assert "NUL" in reasons[4] or "not valid CSV" in reasons[4]
    assert "limit" in reasons[5]


def test_jsonl_hostile_lines() -> None:
    lines = [
        json.dumps(obs_row(client_id="ok")).encode(),
        b'{"client_id": "nan", "lat": NaN}',
        json.dumps(obs_row(client_id="cut")).encode()[:40],
        b"[1, 2, 3]",
        b"\xff\xfe not utf8",
        json.dumps(obs_row(client_id="x", lat=1e400)).encode(),
    ]
    res = read_bytes(b"\n".join(lines), "h.jsonl", ctx(), "jsonl")
    assert [o.client_id for _, o in res.accepted] == ["ok"]
    by_line = {r.line: r for r in res.rejected}
    assert "NaN" in by_line[2].reason
    assert "truncated" in by_line[3].reason
    assert "one JSON object" in by_line[4].reason
    assert "UTF-8" in by_line[5].reason
    assert "finite" in by_line[6].reason or "Infinity" in by_line[6].reason


def test_formula_injection_is_stored_verbatim() -> None:
    res = read_bytes(csv_bytes([obs_row(client_id="f", narrative="=cmd()|' /C calc'!A0")]), "f.csv", ctx(), "csv")
    assert res.accepted[0][1].narrative == "=cmd()|' /C calc'!A0"  # nothing silently changed on the way in


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(sorted(FORMATS)))
def test_arbitrary_bytes_never_crash_a_reader(data: bytes, fmt: str) -> None:
    res = read_bytes(data, "fuzz", ctx(), fmt)
    for r in res.rejected:
        assert r.file == "fuzz" and r.line >= 1 and r.field and r.reason


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ok", "nan", "future", "short"]), min_size=1, max_size=12))
def test_every_row_is_either_accepted_or_rejected(kinds: list[str]) -> None:
    rows = []
    for i, k in enumerate(kinds):
        if k == "ok":
            rows.append(obs_row(client_id=f"r{i}"))
        elif k == "nan":
            rows.append(obs_row(client_id=f"r{i}", lat="nan"))
        elif k == "future":
            rows.append(obs_row(client_id=f"r{i}", observed_at="2030-01-01T00:00:00Z"))
        else:
            rows.append(obs_row(client_id=f"r{i}", grade="", source_id=""))
    res = read_bytes(csv_bytes(rows), "n.csv", ctx(), "csv")
    assert len(res.accepted) + len(res.rejected) == len(rows)
    assert len(res.accepted) == kinds.count("ok")
