"""Fusion: localization accuracy and honest covariances; association of events; coarse reports."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from trucewatch.agreement import load_agreement
from trucewatch.domain.enums import SPEED_OF_SOUND_M_S, Aspect
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident
from trucewatch.fusion import fuse
from trucewatch.fusion.localize import localize
from trucewatch.fusion.measure import ARRIVAL_SIGMA_S, Measurement, Point, Ray, prepare
from trucewatch.fusion.partition import components

from .conftest import SUDZHA

T0 = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


def _ray(ox: float, oy: float, tx: float, ty: float, sigma_deg: float, rng: np.random.Generator) -> Ray:
    theta = math.atan2(tx - ox, ty - oy) + rng.normal(0, math.radians(sigma_deg))
    return Ray(ox, oy, theta, math.radians(sigma_deg), 50, 35_000, False)


def test_triangulation_is_accurate_and_its_ellipse_is_honest() -> None:
    rng = np.random.default_rng(3)
    target = np.array([2000.0, 9000.0])
    sensors = [(-6000.0, 0.0), (0.0, -1000.0), (7000.0, 1000.0), (12000.0, 6000.0)]
    inside, errors = 0, []
    for _ in range(400):
        ms = [Measurement(0, "origin", ray=_ray(x, y, *target, 2.0, rng)) for x, y in sensors]  # type: ignore[arg-type]
        est = localize(ms)
        assert est is not None and est.method == "triangulation"
        d = np.array([est.x, est.y]) - target
        errors.append(float(np.hypot(*d)))
        inside += float(d @ np.linalg.solve(est.cov, d)) <= 5.991
    # efficiency: the error is close to the Cramér–Rao bound of bearing-only localisation here
    info = np.zeros((2, 2))
    for x, y in sensors:
        dx, dy = target[0] - x, target[1] - y
        r2 = dx * dx + dy * dy
        g = np.array([dy / r2, -dx / r2]) / math.radians(2.0)
        info += np.outer(g, g)
    crb = math.sqrt(np.trace(np.linalg.inv(info)))
    rmse = math.sqrt(np.mean(np.square(errors)))
    assert rmse / crb < 1.15
    assert 0.90 <= inside / 400 <= 0.98  # the 95 % ellipse holds the truth about 95 % of the time


def test_one_wild_bearing_does_not_drag_the_estimate() -> None:
    rng = np.random.default_rng(5)
    target = (3000.0, 8000.0)
    sensors = [(-6000.0, 0.0), (0.0, -1000.0), (7000.0, 1000.0), (12000.0, 6000.0), (-3000.0, 14000.0)]
    ms = [Measurement(0, "origin", ray=_ray(x, y, *target, 1.5, rng)) for x, y in sensors]  # type: ignore[arg-type]
    clean = localize(ms)
    wild = Ray(-6000.0, 0.0, ms[0].ray.theta + math.radians(35), math.radians(1.5), 50, 35_000, False)  # type: ignore[union-attr]
    est = localize([Measurement(0, "origin", ray=wild), *ms[1:]])  # type: ignore[arg-type]
    assert clean is not None and est is not None
    assert (
        math.hypot(est.x - target[0], est.y - target[1])
        < 3 * math.hypot(clean.x - target[0], clean.y - target[1]) + 300
    )


def test_direct_points_combine_by_information() -> None:
    a = Measurement(0, "site", point=Point(0.0, 0.0, 100.0**2, 0.0, 100.0**2))  # type: ignore[arg-type]
    b = Measurement(1, "site", point=Point(300.0, 0.0, 30.0**2, 0.0, 30.0**2))  # type: ignore[arg-type]
    est = localize([a, b])
    assert est is not None
    assert 260 < est.x < 300  # pulled toward the more precise report
    assert est.cov[0, 0] < 30.0**2


def _obs(i: str, minutes: float, **kw: object) -> Observation:
    base = {"id": i, "client_id": i, "observed_at": T0 + timedelta(minutes=minutes), "time_precision": "second",
            "source_kind": "acoustic_sensor", "source_id": f"s-{i}", "type": "explosion", "aspect": "origin",
            "bearing_sigma_deg": 2.0, "grade": "B2"}  # fmt: skip
    base.update(kw)
    return Observation.model_validate(base)


def _bearing(ag, olon: float, olat: float, lon: float, lat: float) -> float:  # type: ignore[no-untyped-def]
    ox, oy = ag.projector.to_xy(olon, olat)
    x, y = ag.projector.to_xy(lon, lat)
    g = ag.projector.grid_north_offset_deg(olon, olat)
    return (math.degrees(math.atan2(float(x - ox), float(y - oy))) - g) % 360


@pytest.fixture(scope="module")
def ag():  # type: ignore[no-untyped-def]
    return load_agreement(SUDZHA)


SENSORS = [(35.30, 51.10), (35.25, 51.30), (35.55, 51.15), (35.60, 51.35)]


def _heard(ag, olon: float, olat: float, lon: float, lat: float) -> float:  # type: ignore[no-untyped-def]
    """Minutes the sound of a launch at (lon, lat) takes to reach a sensor at (olon, olat)."""
    ox, oy = ag.projector.to_xy(olon, olat)
    x, y = ag.projector.to_xy(lon, lat)
    return math.hypot(float(x - ox), float(y - oy)) / SPEED_OF_SOUND_M_S / 60.0


def _shot(ag, tag: str, lon: float, lat: float, minutes: float) -> list[Observation]:  # type: ignore[no-untyped-def]
    """Four acoustic sensors hear a launch fired at `minutes`: their bearings, and when the sound reached each."""
    return [
        _obs(f"{tag}{k}", minutes + _heard(ag, slon, slat, lon, lat), source_id=f"sensor-{k}", observer_lon=slon,
             observer_lat=slat, bearing_deg=round(_bearing(ag, slon, slat, lon, lat), 2))
        for k, (slon, slat) in enumerate(SENSORS)
    ]  # fmt: skip


def test_two_shellings_at_once_in_different_places_stay_apart(ag) -> None:  # type: ignore[no-untyped-def]
    obs = _shot(ag, "a", 35.45, 51.25, 0) + _shot(ag, "b", 35.35, 51.18, 0.05)
    incidents = fuse(obs, ag.projector, ag.place)
    groups = sorted(tuple(sorted(i.observation_ids)) for i in incidents)
    assert groups == [("a0", "a1", "a2", "a3"), ("b0", "b1", "b2", "b3")]
    for inc in incidents:
        assert inc.origin is not None and inc.origin.method == "triangulation"
        want = (35.45, 51.25) if inc.observation_ids[0].startswith("a") else (35.35, 51.18)
        x, y = ag.projector.to_xy(*want)
        assert math.hypot(inc.origin.x - float(x), inc.origin.y - float(y)) < 50


def test_same_place_hours_apart_are_two_incidents(ag) -> None:  # type: ignore[no-untyped-def]
    incidents = fuse(_shot(ag, "a", 35.45, 51.25, 0) + _shot(ag, "b", 35.45, 51.25, 180), ag.projector, ag.place)
    assert len(incidents) == 2


def test_a_vague_report_between_two_shellings_does_not_chain_them(ag) -> None:  # type: ignore[no-untyped-def]
    """A complaint's time is vague by twenty minutes: it may belong to either shelling, but must not make
    the two one candidate group (at scale such reports chained hours of events into one component)."""

    def patrol(tag: str, minutes: float) -> Observation:  # where the shells of each shelling landed
        return _obs(tag, minutes, time_precision="minute", source_kind="monitor_patrol", source_id=f"post/{tag}",
                    aspect="impact", lat=51.26, lon=35.47, location_precision_m=200.0)  # fmt: skip

    complaint = _obs("c", 20, time_precision="minute", source_kind="party_complaint", source_id="liaison-A",
                     aspect="impact", lat=51.26, lon=35.47, location_precision_m=700.0, grade="C3",
                     alleging_party="A", accused_party="B")  # fmt: skip
    obs = [*_shot(ag, "a", 35.45, 51.25, 0), patrol("ap", 1), *_shot(ag, "b", 35.45, 51.25, 38), patrol("bp", 39)]
    obs.append(complaint)
    views = prepare(obs, ag.projector, ag.place)
    groups = sorted(sorted(v.report.id for v in comp) for comp in components(views))
    assert groups == [["a0", "a1", "a2", "a3", "ap"], ["b0", "b1", "b2", "b3", "bp"], ["c"]]
    incidents = sorted(sorted(i.observation_ids) for i in fuse(obs, ag.projector, ag.place))
    assert len(incidents) == 2 and sum("c" in ids for ids in incidents) == 1  # it still joins one of them


def test_place_only_report_attaches_without_lending_precision(ag) -> None:  # type: ignore[no-untyped-def]
    shot = _shot(ag, "a", 35.2708, 51.1917, 0)
    news = Observation.model_validate({
        "id": "news", "observed_at": T0.replace(hour=12), "time_precision": "day", "source_kind": "open_source",
        "source_id": "ACLED:x", "type": "explosion", "place": "Sudzha", "geo_precision": 2})  # fmt: skip
    alone = Observation.model_validate({
        "id": "far", "observed_at": T0.replace(day=9, hour=12), "time_precision": "day",
        "source_kind": "open_source", "source_id": "ACLED:y", "type": "explosion", "place": "Sudzha",
        "geo_precision": 2})  # fmt: skip
    incidents = {i.observation_ids: i for i in fuse([*shot, news, alone], ag.projector, ag.place)}
    joined = next(i for ids, i in incidents.items() if "news" in ids)
    assert set(joined.observation_ids) == {"a0", "a1", "a2", "a3", "news"}
    [plain] = fuse(shot, ag.projector, ag.place)
    assert joined.origin == plain.origin  # the vague report neither moved nor widened the estimate
    own = incidents[("far",)]
    assert own.site is not None and own.site.sigma_m == pytest.approx(10_000, rel=0.01)  # stated precision kept


def _circle_rays(target: tuple[float, float], n: int, sigma_deg: float, bias_sigmas: list[float]) -> list[Measurement]:
    """Rays from n sensors on a 9 km circle round the target, each off by the given number of sigmas."""
    out = []
    for k in range(n):
        a = 2 * math.pi * k / n
        ox, oy = target[0] + 9000 * math.sin(a), target[1] + 9000 * math.cos(a)
        theta = math.atan2(target[0] - ox, target[1] - oy) + bias_sigmas[k] * math.radians(sigma_deg)
        out.append(Measurement(0, "origin", ray=Ray(ox, oy, theta, math.radians(sigma_deg), 50, 35_000, False)))  # type: ignore[arg-type]
    return out


def test_a_group_only_jointly_inconsistent_is_caught_by_its_chi2() -> None:
    from trucewatch.fusion.batch import localize_batch, normalized_residuals_batch
    from trucewatch.fusion.engine import _solve
    from trucewatch.fusion.table import arrays

    ms = _circle_rays((0.0, 0.0), 6, 2.0, [3.2, -3.2, 3.2, -3.2, 3.2, -3.2])
    est = localize_batch(arrays(ms, [0] * 6), 1)
    assert normalized_residuals_batch(arrays(ms, [0] * 6), est.x, est.y).max() < 4.0  # no single report stands out
    _, worst = _solve(arrays(ms, [0] * 6), 1)
    assert math.isinf(worst[0])  # but six reports at 3σ each are not one position


def test_leaving_one_out_names_the_wild_bearing_and_three_rays_cannot() -> None:
    from trucewatch.fusion.engine import _solve, _wild_reports
    from trucewatch.fusion.table import arrays

    rng = np.random.default_rng(9)
    bias = list(rng.normal(0, 1, 6))
    bias[4] = 20.0  # 40° off at 2° per sigma
    ms = _circle_rays((1000.0, 2000.0), 6, 2.0, bias)
    table = arrays(ms, [0] * 6)
    assert _wild_reports(table, *_solve(table, 1), 1) == [4]
    # a large group tries only the reports its robust joint fit explains worst: the wild one is among them
    bias = list(rng.normal(0, 1, 12))
    bias[7] = -18.0
    table = arrays(_circle_rays((1000.0, 2000.0), 12, 2.0, bias), [0] * 12)
    assert _wild_reports(table, *_solve(table, 1), 1) == [7]
    three = _circle_rays((1000.0, 2000.0), 3, 2.0, [0.3, 20.0, -0.5])
    table = arrays(three, [0] * 3)
    assert _wild_reports(table, *_solve(table, 1), 1) == []  # any two rays meet: which one is wild is unknowable


def _timed(ms: list[Measurement], target: tuple[float, float], fired: float = 500.0) -> list[Measurement]:
    """These acoustic bearings with the time the sound of a launch at `target` reached each sensor, reported
    to the second (truncated)."""
    for m in ms:
        assert m.ray is not None
        m.arrival = math.floor(fired + math.hypot(target[0] - m.ray.ox, target[1] - m.ray.oy) / SPEED_OF_SOUND_M_S)
    return ms


def test_sound_arrival_times_name_the_wild_one_of_three_bearings() -> None:
    """Acoustic sensors report when the sound arrived: two bearings and the difference of their times
    over-determine a position, so three timed bearings can be searched for a wild one — whichever it is —
    where three untimed ones cannot."""
    from trucewatch.fusion.engine import _solve, _wild_reports
    from trucewatch.fusion.table import arrays

    target = (1000.0, 2000.0)
    for wild, bias in ((1, [0.3, 20.0, -0.5]), (1, [0.3, -15.0, -0.5]), (0, [20.0, 0.2, -0.4]), (2, [0.1, 0.2, 25.0])):
        untimed = arrays(_circle_rays(target, 3, 2.0, bias), [0] * 3)
        assert _wild_reports(untimed, *_solve(untimed, 1), 1) == []
        table = arrays(_timed(_circle_rays(target, 3, 2.0, bias), target), [0] * 3)
        est, worst = _solve(table, 1)
        assert math.isinf(worst[0])  # the joint fit fails its χ²: bearings and times disagree
        assert _wild_reports(table, est, worst, 1) == [wild]
        # one time alone says nothing (the firing time is unknown): as untimed
        lone = _circle_rays(target, 3, 2.0, bias)
        _timed(lone[:1], target)
        table = arrays(lone, [0] * 3)
        assert _wild_reports(table, *_solve(table, 1), 1) == []


def test_arrival_times_locate_and_their_information_is_stated() -> None:
    """Three timed bearings locate a launch better than the bearings alone, and the stated covariance is
    the Fisher information's inverse with the firing time an unknown: the ellipse stays honest."""
    rng = np.random.default_rng(11)
    target = (2000.0, 9000.0)
    sensors = [(-6000.0, 0.0), (0.0, -1000.0), (9000.0, 2000.0)]
    plain, timed, inside, det_plain, det_timed = [], [], 0, [], []
    for _ in range(300):
        rays = [_ray(x, y, *target, 2.0, rng) for x, y in sensors]
        a = localize([Measurement(0, "origin", ray=r) for r in rays])  # type: ignore[arg-type]
        fired = float(rng.uniform(0, 1000))
        b = localize(_timed([Measurement(0, "origin", ray=r) for r in rays], target, fired))  # type: ignore[arg-type]
        assert a is not None and b is not None
        plain.append(math.hypot(a.x - target[0], a.y - target[1]) ** 2)
        d = np.array([b.x - target[0], b.y - target[1]])
        timed.append(float(d @ d))
        inside += float(d @ np.linalg.solve(b.cov, d)) <= 5.991
        det_plain.append(np.linalg.det(a.cov))
        det_timed.append(np.linalg.det(b.cov))
    # the bound with the times: bearings' information plus the centred unit vectors over c·σt
    info, units = np.zeros((2, 2)), []
    for x, y in sensors:
        dx, dy = target[0] - x, target[1] - y
        r2 = dx * dx + dy * dy
        g = np.array([dy / r2, -dx / r2]) / math.radians(2.0)
        info += np.outer(g, g)
        units.append(np.array([dx, dy]) / math.sqrt(r2))
    centred = np.array(units) - np.mean(units, axis=0)
    bound = math.sqrt(np.trace(np.linalg.inv(info + centred.T @ centred / (SPEED_OF_SOUND_M_S * ARRIVAL_SIGMA_S) ** 2)))
    rmse = math.sqrt(np.mean(timed))
    assert rmse < 0.8 * math.sqrt(np.mean(plain))
    assert rmse / bound < 1.15  # efficient: near the bound that counts the times
    assert np.median(det_timed) < 0.6 * np.median(det_plain)  # the ellipse shrinks with the information
    assert 0.90 <= inside / 300 <= 0.99


def test_a_report_out_of_its_sensors_reach_or_hearing_another_launch_is_elsewhere() -> None:
    """What a report says besides its bearing can place it at another event: its sensor could not have
    sensed the position, or its arrival time implies another moment of firing. Such a report is no wild
    bearing of the group (the wild-report search and split merges both ask)."""
    from trucewatch.fusion.batch import elsewhere, localize_batch
    from trucewatch.fusion.table import arrays

    target = (1000.0, 2000.0)
    good = _timed(_circle_rays(target, 4, 2.0, [0.2, -0.4, 0.1, 0.3]), target)
    fit = localize_batch(arrays(good, [0] * 4), 1)
    near = Measurement(
        0, "origin", ray=Ray(target[0] - 8000.0, target[1], math.radians(120.0), math.radians(1.0), 50, 20_000, False)
    )  # type: ignore[arg-type]  # a wild bearing, in reach
    far = Measurement(
        0, "origin", ray=Ray(target[0] - 30_000.0, target[1], math.radians(90.0), math.radians(1.0), 50, 20_000, False)
    )  # type: ignore[arg-type]  # 30 km away, sees 20 km
    late = _timed(_circle_rays(target, 1, 2.0, [15.0]), target, fired=520.0)[0]  # heard a launch 20 s later
    ontime = _timed(_circle_rays(target, 1, 2.0, [15.0]), target)[0]  # a wild bearing of this launch
    table = arrays([near, far, late, ontime], [0] * 4)
    assert elsewhere(table, np.arange(4), fit, np.zeros(4, dtype=np.int64)).tolist() == [False, True, True, False]


def test_two_full_clusters_dated_to_one_launch_are_merge_candidates() -> None:
    """Split merges consider two full clusters (more than three reports each) only when their arrivals date
    their launches to the same moment, within the difference's error; undated ones stay apart."""
    from trucewatch.fusion.associate import Cluster, _same_launch
    from trucewatch.fusion.batch import Estimate

    def dated(fired: float, sigma: float) -> Cluster:
        c = Cluster()
        c.estimates[Aspect.ORIGIN] = Estimate(0.0, 0.0, 1.0, 0.0, 1.0, "triangulation", 4, 1.0, fired, 4, sigma)
        return c

    assert _same_launch(dated(100.0, 0.4), dated(101.0, 0.4))
    assert not _same_launch(dated(100.0, 0.4), dated(105.0, 0.4))  # two launches five seconds apart
    assert _same_launch(dated(100.0, 2.0), dated(105.0, 2.0))  # roughly located: roughly dated
    assert not _same_launch(dated(100.0, 0.4), Cluster())  # nothing to compare


def test_fusion_pauses_the_cycle_collector_and_restores_it(ag, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gc

    from trucewatch import fusion
    from trucewatch.fusion.collector import collector_paused

    seen: list[bool] = []
    real = fusion.cluster
    monkeypatch.setattr(fusion, "cluster", lambda views: seen.append(gc.isenabled()) or real(views))
    assert gc.isenabled()
    assert len(fuse(_shot(ag, "a", 35.45, 51.25, 0), ag.projector, ag.place)) == 1
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError
    assert gc.isenabled()  # restored after an error too
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's own setting is left as it was
    finally:
        gc.enable()


_PROMOTION_CHECK = """
import gc
import weakref

from trucewatch.fusion.collector import collector_paused


class Node:
    other = None


with collector_paused():
    kept = [Node()]
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, dropped below: only the cycle collector can free it
    gone = weakref.ref(a)
    del a, b
assert any(o is kept for o in gc.get_objects(generation=2)), "not promoted"
assert gc.get_freeze_count() == 0, "left frozen"
gc.collect()
assert gone() is None, "cycle kept"
gc.freeze()  # a caller's own frozen objects (the server freezes its long-lived ones) stay frozen
frozen = gc.get_freeze_count()
with collector_paused():
    kept.append(Node())
assert gc.get_freeze_count() == frozen, "caller's freeze undone"
"""


def test_what_fusion_built_leaves_the_pause_as_old_objects_and_cycles_are_still_collected() -> None:
    """In a fresh interpreter: the collector's generations are process-wide, and other tests freeze them."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _PROMOTION_CHECK], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_batched_solve_gives_each_group_what_it_gets_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Groups that converge early leave the batch (their rows are dropped), and large inputs are solved in
    slices of whole groups; each group must come out exactly as if it were solved on its own."""
    from trucewatch.fusion import batch
    from trucewatch.fusion.batch import localize_batch
    from trucewatch.fusion.table import arrays

    rng = np.random.default_rng(5)
    groups: list[list[Measurement]] = []
    for g in range(300):
        target = (float(rng.normal(0, 20_000)), float(rng.normal(0, 20_000)))
        n = int(rng.integers(2, 8))
        bias = [8.0 if g % 7 == 0 and k == 0 else float(rng.normal()) for k in range(n)]  # some converge slowly
        groups.append(_circle_rays(target, n, 2.0, bias))
    ms = [m for grp in groups for m in grp]
    together = localize_batch(arrays(ms, [g for g, grp in enumerate(groups) for _ in grp]), len(groups))
    for g, grp in enumerate(groups):
        alone = localize_batch(arrays(grp, [0] * len(grp)), 1)
        assert (together.x[g], together.y[g], together.chi2[g]) == (alone.x[0], alone.y[0], alone.chi2[0])
        assert np.array_equal(together.cov[g], alone.cov[0])
    # in slices of about 50 rows, with groups that have no rows before, between and after the others
    monkeypatch.setattr(batch, "BATCH_ROWS", 50)
    ids = [3 + 2 * g for g, grp in enumerate(groups) for _ in grp]
    sliced = localize_batch(arrays(ms, ids), 5 + 2 * len(groups))
    assert len(sliced.x) == len(sliced.cov) == 5 + 2 * len(groups)
    for g in range(len(groups)):
        k = 3 + 2 * g
        assert (sliced.x[k], sliced.y[k], sliced.chi2[k]) == (together.x[g], together.y[g], together.chi2[g])
        assert np.array_equal(sliced.cov[k], together.cov[g]) and sliced.n_rays[k] == together.n_rays[g]


def test_fusion_gives_the_same_incidents_in_any_order_and_from_streamed_columns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The pipeline streams stored observations into columns in the order they were stored; the benchmark
    and the Dask tiles hand over lists. All must give the same incidents (complaints included)."""
    import random

    from trucewatch.domain.enums import SourceKind
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=3, seed=2, start=start)
    ag = load_agreement(files.agreement)
    ctx = Context.for_agreement(ag, now=start + timedelta(days=4))
    obs = [o.model_copy(update={"id": o.client_id}) for _, o in read_file(files.observations, ctx).accepted]
    fused = fuse(obs, ag.projector, ag.place)
    want = [i.model_dump_json() for i in fused]
    assert len(want) > 20 and SourceKind.PARTY_COMPLAINT in {o.source_kind for o in obs}
    # fusion builds its incidents without validation: each must be exactly what validation would make
    assert [Incident.model_validate_json(j) for j in want] == fused
    assert all(Incident.model_validate(i.model_dump()) == i for i in fused)
    shuffled = obs[:]
    random.Random(1).shuffle(shuffled)
    assert [i.model_dump_json() for i in fuse(shuffled, ag.projector, ag.place)] == want
    columns = ObservationColumns.of(o for o in shuffled)  # streamed: the models are not kept
    assert len(columns) == len(obs)
    assert [i.model_dump_json() for i in fuse(columns, ag.projector, ag.place)] == want


def test_only_acoustic_bearings_reported_to_the_second_count_as_sound_arrivals(ag) -> None:  # type: ignore[no-untyped-def]
    where = {"observer_lon": 35.4, "observer_lat": 51.2, "bearing_deg": 90.0}
    obs = [
        _obs("heard", 0, **where),
        _obs("heard-late", 0, time_precision="minute", **where),  # a minute's rounding says nothing of distance
        _obs("seen", 0, source_kind="fixed_camera", type="muzzle_flash", **where),  # light arrives at once
        _obs("crater", 0, aspect="impact", lat=51.25, lon=35.45, **where),  # a point and a ray to the impact
    ]
    views = prepare(obs, ag.projector, ag.place)
    arrival = [m.arrival for v in views for m in v.measurements]
    assert arrival[0] == views[0].t
    assert np.isnan(arrival[1:]).all()


def test_models_built_unvalidated_must_be_given_every_field() -> None:
    """`computed` skips validation, so it may not skip defaults either: a field left out would be missing,
    not defaulted, and a copy with an update must not touch the shared set of field names."""
    from trucewatch.domain.results import computed

    t = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(TypeError, match="count"):
        computed(Incident, id="I-1", observation_ids=("a",), type="explosion", family="fire", start=t, end=t,
                 origin=None, site=None, weapon_class=None)  # fmt: skip
    whole = computed(Incident, id="I-1", observation_ids=("a",), type="explosion", family="fire", start=t, end=t,
                     origin=None, site=None, weapon_class=None, count=None)  # fmt: skip
    assert whole.model_copy(update={"count": 3}).count == 3 and whole.count is None
    assert whole == Incident(id="I-1", observation_ids=("a",), type="explosion", family="fire", start=t, end=t)


def test_the_rows_prepare_holds_are_the_rows_its_measurements_describe(ag) -> None:  # type: ignore[no-untyped-def]
    """`prepare` fills the solver's rows vectorised, chunk by chunk; each must be the row its own point or ray
    gives, in whichever chunk it fell."""
    where = {"observer_lon": 35.4, "observer_lat": 51.2, "bearing_deg": 90.0}
    obs = [
        _obs("heard", 0, **where),
        _obs("seen", 5, source_kind="fixed_camera", type="muzzle_flash", distance_m=4000.0, **where),
        _obs("crater", 9, type="impact", lat=51.25, lon=35.45, fire_bearing_deg=200.0),
        _obs("both", 11, aspect="impact", lat=51.25, lon=35.45, **where),
        _obs("told", 20, source_kind="monitor_patrol", distance_min_m=2000.0, **where),
    ]
    views = prepare(obs, ag.projector, ag.place, chunk=2)
    ms = [m for v in views for m in v.measurements]
    assert len(ms) == 7 and all(m.rows is ms[0].rows for m in ms)
    for m in ms:
        alone = Measurement(m.obs_index, m.aspect, point=m.point, ray=m.ray, arrival=m.arrival)
        assert np.array_equal(m.row(), alone.row(), equal_nan=True)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the resident size from /proc (Linux)")
def test_give_back_returns_freed_heap_pages_held_below_a_live_block() -> None:
    """Freed memory under a block that is still alive stays resident until handed back: 2,000 blocks of
    100 kB (malloc's heap, under its mmap threshold) freed beneath a live one."""
    from trucewatch.fusion.heap import give_back

    def resident_mb() -> float:
        line = next(x for x in Path("/proc/self/status").read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    blocks = [b"x" * 100_000 for _ in range(2000)]
    pin = b"y" * 100_000  # above them on the heap: they cannot be trimmed from the top
    before = resident_mb()
    del blocks
    held = resident_mb()
    assert give_back()
    after = resident_mb()
    assert held - after > 0.5 * (200_000_000 / 2**20), (before, held, after)
    assert pin


def test_components_are_the_same_whatever_the_block_of_anchors(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Candidate pairs are gated a block at a time; the blocks' seams must not lose or add a link."""
    import trucewatch.fusion.partition as partition
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=3, seed=3, start=start)
    ag = load_agreement(files.agreement)
    ctx = Context.for_agreement(ag, now=start + timedelta(days=4))
    cols = ObservationColumns.of(o for _, o in read_file(files.observations, ctx).accepted)
    fine = [v for v in prepare(cols, ag.projector, ag.place) if not v.coarse and v.measurements]
    whole = [[v.index for v in comp] for comp in components(fine)]
    assert len(fine) > 7 * 20 and any(len(comp) > 3 for comp in whole)
    monkeypatch.setattr(partition, "PAIR_BLOCK", 7)
    assert [[v.index for v in comp] for comp in components(fine)] == whole


def test_a_report_timed_to_the_minute_joins_a_launch_its_sensors_located(ag) -> None:  # type: ignore[no-untyped-def]
    """A patrol's report of where shells landed is stated to the minute, so in time order it comes before the
    sound of the launches seconds later. Placed first, it seeded a group that the first bearing to arrive
    joined whichever launch that bearing heard, and the next bearing of the other launch crossed it: the
    patrol's incident was located by two bearings of two launches. The assignment step places the reports
    timed to the second first and the vaguer ones against the groups those formed, so the patrol's report
    joins one launch's group of three or more bearings."""
    from trucewatch.fusion.associate import finish, greedy_all

    patrol = _obs("p", 0, time_precision="minute", source_kind="monitor_patrol", source_id="post/p",
                  aspect="impact", lat=51.20, lon=35.50, location_precision_m=200.0)  # fmt: skip
    obs = [patrol, *_shot(ag, "a", 35.45, 51.25, 0.1), *_shot(ag, "b", 35.33, 51.30, 0.15)]
    views = prepare(obs, ag.projector, ag.place)
    (with_patrol,) = [c for c in finish(greedy_all([views])) if any(v.report.id == "p" for v in c.members)]
    bearings = [v.report.id for v in with_patrol.members if v.report.id != "p"]
    assert len(bearings) >= 3 and len({b[0] for b in bearings}) == 1, bearings


@pytest.mark.parametrize(
    ("b_lon", "b_lat", "b_minutes"),
    [
        (35.33, 51.30, 0.15),  # the first two sounds, one of each launch, cross at a ghost their times fit
        (35.50, 51.30, 0.12),  # crossings nearly along the rays agree with all eight: tried only last
        (35.46, 51.25, 0.12),  # 700 m apart: a crossing of one launch is near the other's bearings too
    ],
)
def test_bearings_of_launches_seconds_apart_are_grouped_by_consensus_not_by_arrival(
    ag, b_lon: float, b_lat: float, b_minutes: float
) -> None:  # type: ignore[no-untyped-def]
    """Two launches seconds apart, heard by the same four sensors. Grown report by report in order of
    arrival, a group's first two bearings may be one of each launch, crossing at a ghost where their times
    also agree; each launch is then left with three bearings. Seeded by consensus — the well-placed
    crossing most bearings agree with, one bearing per sensor, fitted and checked — each launch keeps its
    four, and the assignment step and its merges keep them so."""
    from trucewatch.fusion.associate import PRECISE_TAU_S, finish, greedy_all
    from trucewatch.fusion.seeds import consensus_seeds

    obs = [*_shot(ag, "a", 35.45, 51.25, 0.1), *_shot(ag, "b", b_lon, b_lat, b_minutes)]
    views = prepare(obs, ag.projector, ag.place)
    (seeds,) = consensus_seeds([views], PRECISE_TAU_S)
    assert sorted(sorted(v.report.id for v in group) for group in seeds) == [["a0", "a1", "a2", "a3"],
                                                                              ["b0", "b1", "b2", "b3"]]  # fmt: skip
    groups = sorted(sorted(v.report.id for v in c.members) for c in finish(greedy_all([views])))
    assert groups == [["a0", "a1", "a2", "a3"], ["b0", "b1", "b2", "b3"]]


def test_a_seed_is_only_what_its_fit_explains_and_a_wild_bearing_seeds_nothing(ag) -> None:  # type: ignore[no-untyped-def]
    """A fifth sensor's bearing 40° off crosses the launch's bearings at places of its own; no crossing it
    makes gathers three that one position explains, so it is left to the assignment step."""
    from trucewatch.fusion.associate import PRECISE_TAU_S
    from trucewatch.fusion.seeds import consensus_seeds

    shot = _shot(ag, "a", 35.45, 51.25, 0)
    off = (_bearing(ag, 35.40, 51.40, 35.45, 51.25) + 40) % 360
    wild = _obs("w", _heard(ag, 35.40, 51.40, 35.45, 51.25), source_id="sensor-w", observer_lon=35.40,
                observer_lat=51.40, bearing_deg=round(off, 2))  # fmt: skip
    (seeds,) = consensus_seeds([prepare([*shot, wild], ag.projector, ag.place)], PRECISE_TAU_S)
    assert [sorted(v.report.id for v in group) for group in seeds] == [["a0", "a1", "a2", "a3"]]


def test_a_seed_is_only_a_group_its_fit_explains(ag) -> None:  # type: ignore[no-untyped-def]
    """Two launches 1.6 km and 5 s apart: the crossings most bearings agree with gather bearings of both, and
    only fitting them shows that no one position explains them. A group its fit refutes seeds nothing;
    each launch's four are seeded when their own crossings' turn comes."""
    from trucewatch.fusion.associate import PRECISE_TAU_S
    from trucewatch.fusion.seeds import consensus_seeds

    obs = [*_shot(ag, "a", 35.482, 51.209, 0.1), *_shot(ag, "b", 35.504, 51.205, 0.183)]
    (seeds,) = consensus_seeds([prepare(obs, ag.projector, ag.place)], PRECISE_TAU_S)
    assert sorted(sorted(v.report.id for v in group) for group in seeds) == [["a0", "a1", "a2", "a3"],
                                                                              ["b0", "b1", "b2", "b3"]]  # fmt: skip


def test_a_crossing_placed_no_better_than_a_tenth_of_its_distance_is_weak(ag) -> None:  # type: ignore[no-untyped-def]
    """Bearings crossing at a shallow angle place the crossing poorly along them, and nearly any bearing
    agrees with it; such a hypothesis is tried only after the well-placed ones. (This checks the flag, not
    the order: no small layout found tells the order apart; the fusion benchmark's CRB ratio at a million
    reports is what measures it.)"""
    from trucewatch.fusion.associate import PRECISE_TAU_S
    from trucewatch.fusion.seeds import _Bearings, _Hypotheses

    b = _Bearings([prepare(_shot(ag, "a", 35.45, 51.25, 0), ag.projector, ag.place)], PRECISE_TAU_S)
    hyp = _Hypotheses(b)
    s = np.hypot(hyp.x - b.ox[hyp.i], hyp.y - b.oy[hyp.i])
    u = np.hypot(hyp.x - b.ox[hyp.j], hyp.y - b.oy[hyp.j])
    assert len(hyp) == 6 and hyp.weak.any() and not hyp.weak.all()
    assert np.array_equal(hyp.weak, hyp.along > 0.1 * np.minimum(s, u))


def test_a_crater_documented_hours_later_does_not_stretch_when_the_event_happened(ag) -> None:  # type: ignore[no-untyped-def]
    """A camera's sighting of a launch, and a drone's report of its crater (and the direction of fire its
    shape shows) five hours on, as late as the aftermath of an event may be reported. Another camera's
    sighting within the next minute may join them; one four and three quarter hours on is another launch,
    though it falls between the cluster's first and last reports."""
    from trucewatch.fusion.associate import Cluster, cost, finish, refit_all

    def camera(i: str, minutes: float, lon: float, lat: float) -> Observation:
        return _obs(i, minutes, source_kind="fixed_camera", source_id=f"camera-{i}", type="muzzle_flash",
                    observer_lon=lon, observer_lat=lat, bearing_sigma_deg=1.0, grade="A2",
                    bearing_deg=round(_bearing(ag, lon, lat, 35.45, 51.25), 2))  # fmt: skip

    drone = _obs("d", 300, time_precision="minute", source_kind="drone", source_id="uav-1", type="impact",
                 aspect="impact", lat=51.22, lon=35.47, location_precision_m=30.0, grade="A2",
                 fire_bearing_deg=round(_bearing(ag, 35.47, 51.22, 35.45, 51.25), 1))  # fmt: skip
    first, crater, soon, late = prepare([camera("c1", 0, 35.30, 51.10), drone, camera("c2", 1, 35.55, 51.15),
                                         camera("c3", 285, 35.55, 51.15)], ag.projector, ag.place)  # fmt: skip
    c = Cluster()
    c.add(first)
    c.add(crater)
    refit_all([c])
    assert c.t_max == crater.t and c.t_end == first.t
    assert cost(soon, c) < math.inf
    assert cost(late, c) == math.inf
    # nor do the post-passes merge the later sighting in, as a split of the same event
    alone = Cluster()
    alone.add(late)
    refit_all([alone])
    assert sorted(sorted(v.report.id for v in k.members) for k in finish([c, alone])) == [["c1", "d"], ["c3"]]


def test_a_bearing_that_states_no_distance_reaches_as_far_as_the_agreement_says(ag) -> None:  # type: ignore[no-untyped-def]
    """An acoustic bearing's range band ends where the mission's sensors stop hearing, when its agreement says
    how far that is; a stated distance band is the report's own, whatever the setting."""
    from trucewatch.domain.enums import SourceKind
    from trucewatch.domain.sensing import Sensing

    heard = _obs("a", 0, observer_lon=35.30, observer_lat=51.10, bearing_deg=30.0)
    banded = _obs("b", 0, observer_lon=35.30, observer_lat=51.10, bearing_deg=30.0, distance_min_m=1000.0,
                  distance_max_m=30_000.0)  # fmt: skip
    default = prepare([heard, banded], ag.projector, ag.place)
    narrowed = prepare([heard, banded], ag.projector, ag.place, sensing=Sensing({SourceKind.ACOUSTIC_SENSOR: 20_000.0}))
    assert [v.measurements[0].ray.r_hi for v in default] == [35_000.0, 30_000.0]
    assert [v.measurements[0].ray.r_hi for v in narrowed] == [20_000.0, 30_000.0]
    # the band's middle moves in with its end: the fit's prior on the range is where the sensor hears
    assert narrowed[0].measurements[0].ray.r_mid < default[0].measurements[0].ray.r_mid


def test_a_sensor_with_its_own_reach_has_it_and_the_rest_of_its_kind_keep_theirs(ag) -> None:  # type: ignore[no-untyped-def]
    """A sensor declared with its own reach (a newer array) bounds its bearings there; its kind's other sensors,
    and a sensor of another kind under the same id, keep their kind's reach."""
    from trucewatch.domain.enums import SIGHTING_RANGE_M, SourceKind
    from trucewatch.domain.sensing import Sensing

    where = {"observer_lon": 35.30, "observer_lat": 51.10, "bearing_deg": 30.0}
    new = _obs("n", 0, source_id="array-new", **where)
    old = _obs("o", 0, source_id="array-old", **where)
    camera = _obs("c", 0, source_kind="fixed_camera", source_id="array-new", type="muzzle_flash", **where)
    acoustic, cam = SourceKind.ACOUSTIC_SENSOR, SourceKind.FIXED_CAMERA
    sensing = Sensing({acoustic: 20_000.0}, {(acoustic, "array-new"): 30_000.0})
    views = prepare([new, old, camera], ag.projector, ag.place, sensing=sensing)
    assert [v.measurements[0].ray.r_hi for v in views] == [30_000.0, 20_000.0, SIGHTING_RANGE_M[cam]]


def test_a_crater_whose_direction_of_fire_points_away_from_a_launch_does_not_join_it(ag) -> None:  # type: ignore[no-untyped-def]
    """Two cameras locate a launch. A drone documents a crater within the weapon's reach of it: the crater's
    place agrees with that launch whichever way its shape says the fire came from, but a direction of fire
    pointing away from the launch contradicts it, and one contradiction rules the report out."""
    from trucewatch.fusion.associate import Cluster, cost, refit_all

    def camera(i: str, lon: float, lat: float) -> Observation:
        return _obs(i, 0, source_kind="fixed_camera", source_id=f"camera-{i}", type="muzzle_flash",
                    observer_lon=lon, observer_lat=lat, bearing_sigma_deg=1.0, grade="A2",
                    bearing_deg=round(_bearing(ag, lon, lat, 35.45, 51.25), 2))  # fmt: skip

    def crater(i: str, turn: float) -> Observation:
        back = _bearing(ag, 35.47, 51.22, 35.45, 51.25)
        return _obs(i, 20, time_precision="minute", source_kind="drone", source_id=f"uav-{i}", type="impact",
                    aspect="impact", lat=51.22, lon=35.47, location_precision_m=30.0, grade="A2",
                    fire_bearing_deg=round((back + turn) % 360, 1))  # fmt: skip

    c1, c2, toward, away = prepare([camera("c1", 35.30, 51.10), camera("c2", 35.55, 51.15), crater("d1", 0.0),
                                    crater("d2", 180.0)], ag.projector, ag.place)  # fmt: skip
    c = Cluster()
    c.add(c1)
    c.add(c2)
    refit_all([c])
    assert cost(toward, c) < math.inf
    assert cost(away, c) == math.inf


def test_a_late_report_of_damage_goes_to_the_latest_shelling_it_fits_not_to_any_within_the_lag(ag) -> None:  # type: ignore[no-untyped-def]
    """A site shelled twice, two hours apart, each time reported by a patrol. The site's complaint of damage
    comes three minutes after the second shelling, placed (within its 700 m) nearer where the first one's
    shells fell. Both fit it, and both lie within the six hours a damage report may come late; the later
    one is the likelier (most such reports come within the hour), and takes it."""
    from trucewatch.fusion.associate import Cluster, cost, refit_all

    def patrol(i: str, minutes: float, lat: float) -> Observation:
        return _obs(i, minutes, time_precision="minute", source_kind="monitor_patrol", source_id=f"patrol-{i}",
                    aspect="impact", lat=lat, lon=35.45, location_precision_m=50.0)  # fmt: skip

    complaint = _obs("c", 123, time_precision="minute", source_kind="party_complaint", source_id="liaison-UA",
                     type="protected_site_damage", aspect="impact", lat=51.2500, lon=35.45,
                     location_precision_m=700.0, alleging_party="UA", accused_party="RU", grade="C3")  # fmt: skip
    first, second, damage = prepare([patrol("p1", 0, 51.2500), patrol("p2", 120, 51.2510), complaint],
                                    ag.projector, ag.place)  # fmt: skip
    clusters = []
    for v in (first, second):
        clusters.append(Cluster())
        clusters[-1].add(v)
    refit_all(clusters)
    early, late = (cost(damage, c) for c in clusters)
    assert math.isfinite(early) and late < early


@pytest.mark.slow
def test_space_time_tiles_on_dask_give_the_single_process_incidents_and_too_narrow_margins_fall_back(
    tmp_path: Path,
) -> None:
    """Cut into strips across the front as well as into weeks, the tiles fused on two Dask workers give the
    incidents one process gives, field for field. With margins too narrow to hold an event's reports, the
    checks notice and one process fuses everything: still the same answer, and no tiles are counted. The
    workers are sent what fusion reads of the agreement, not pointed at its files."""
    from distributed import Client, LocalCluster

    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.fusion.distributed import Tiling, fuse_distributed
    from trucewatch.intake.formats import iter_file
    from trucewatch.intake.rows import Rejection
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    files = generate(tmp_path, days=14, seed=5)
    ag = load_agreement(files.agreement)
    ctx = Context.for_agreement(ag, now=datetime.now(UTC))
    accepted = [item[1].model_copy(update={"id": item[1].client_id})  # named as stored: by the generator's ids
                for item in iter_file(files.observations, ctx) if not isinstance(item, Rejection)]  # fmt: skip
    cols = ObservationColumns.of(accepted)
    one = fuse(cols, ag.projector, ag.place, ag.sensing)
    # weeks (the shortest period: the data would fill one tile), and the 50 km sector in three strips, with
    # margins that hold an event's reports (a bearing from 20 km off, an impact 25 km from its origin)
    strips = Tiling(period=timedelta(days=7), strip_m=20_000.0, strip_margin_m=100_000.0)
    narrow = Tiling(period=timedelta(days=7), strip_m=20_000.0, strip_margin_m=200.0)
    files.agreement.parent.rename(tmp_path / "elsewhere")  # workers need no copy of the agreement's files
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc, \
            Client(lc) as client:  # fmt: skip
        tiled, tiles = fuse_distributed(ag, cols, client, strips)
        fallback, none = fuse_distributed(ag, cols, client, narrow)
    assert tiles == 2 * 3  # two weeks: two periods, each in three strips
    assert tiled == one
    assert none == 0 and fallback == one


def test_columns_taken_and_pickled_keep_every_report_and_number(ag) -> None:  # type: ignore[no-untyped-def]
    """A tile's rows of the columns, as Dask sends them to a worker: the chosen reports in the chosen order,
    with their numbers and codes, the same after pickling (NaN included)."""
    import pickle

    from trucewatch.fusion.columns import ObservationColumns

    obs = [_obs("a", 0, bearing_deg=30.0, observer_lon=35.3, observer_lat=51.1),
           _obs("b", 1, source_kind="party_complaint", source_id="liaison-A", lat=51.2, lon=35.4, grade="C3",
                alleging_party="A"),
           _obs("c", 2, bearing_deg=200.0, observer_lon=35.5, observer_lat=51.3, distance_m=900.0)]  # fmt: skip
    cols = ObservationColumns.of(obs)
    part = pickle.loads(pickle.dumps(cols.take(np.array([2, 0]))))
    assert [r.id for r in part.reports] == ["c", "a"] and part.reports == [cols.reports[2], cols.reports[0]]
    for name, column in part.floats().items():
        np.testing.assert_array_equal(column, cols.floats()[name][[2, 0]])
    for name, column in part.codes().items():
        np.testing.assert_array_equal(column, cols.codes()[name][[2, 0]])
    assert fuse(part, ag.projector, ag.place) == fuse(cols.take(np.array([2, 0])), ag.projector, ag.place)


def _scenario_views(tmp_path: Path, days: int, seed: int) -> list:  # type: ignore[type-arg]
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=days, seed=seed, start=start)
    ag = load_agreement(files.agreement)
    ctx = Context.for_agreement(ag, now=start + timedelta(days=days + 1))
    cols = ObservationColumns.of(o for _, o in read_file(files.observations, ctx).accepted)
    return [v for v in prepare(cols, ag.projector, ag.place) if not v.coarse and v.measurements]


def test_candidate_pairs_hold_every_pair_the_gates_link(tmp_path: Path) -> None:
    """The k-d tree's candidates, each class within the farthest its gate can pass, lose no link: the
    components are those of every pair of reports of a family within its time window, all gated."""
    import trucewatch.fusion.partition as partition

    fine, c, families = partition._linkable(_scenario_views(tmp_path, 4, 8))
    every_i, every_j, cand_i, cand_j = [], [], [], []
    for idx, seconds in families:
        a, b = np.triu_indices(len(idx), 1)
        a, b = idx[a], idx[b]
        a, b = a[np.abs(c.t[a] - c.t[b]) <= seconds], b[np.abs(c.t[a] - c.t[b]) <= seconds]
        g = partition._gate(c, a, b)
        every_i.append(a[g])
        every_j.append(b[g])
        for pa, pb in partition._candidates(c, idx, seconds):
            cand_i.append(pa)
            cand_j.append(pb)
    linked = {(min(i, j), max(i, j)) for i, j in zip(np.concatenate(every_i).tolist(), np.concatenate(every_j).tolist(),
                                                     strict=True)}  # fmt: skip
    offered = {(min(i, j), max(i, j)) for i, j in zip(np.concatenate(cand_i).tolist(), np.concatenate(cand_j).tolist(),
                                                      strict=True)}  # fmt: skip
    assert len(linked) > 100 and linked <= offered
    assert len(offered) < len(fine) * (len(fine) - 1) // 2 / 10  # never all pairs


def test_along_a_longer_front_candidates_grow_with_the_reports_not_their_square(tmp_path: Path) -> None:
    """Ten copies of a sector side by side, 200 km apart, at the same times (a 2,000 km front): ten times
    the candidate pairs and ten times the components of one sector, none across sectors. A sweep over time
    alone would pair every report with those of all ten sectors in its window."""
    import copy

    import trucewatch.fusion.partition as partition

    fine = sorted(_scenario_views(tmp_path, 3, 9), key=lambda v: (v.t, v.report.id))
    one = partition._Cols(fine)
    ten = copy.copy(one)
    for name, value in vars(one).items():
        setattr(ten, name, np.concatenate([value] * 10))
    shift = np.repeat(np.arange(10) * 200_000.0, len(fine))
    ten.px, ten.ox = ten.px + shift, ten.ox + shift

    def candidates(c: partition._Cols, n: int) -> int:
        linkable = np.flatnonzero((c.tau <= partition.LOOSE_TAU_S) & ~c.after & (c.window == 60.0))  # fire
        return sum(len(a) for a, _ in partition._candidates(c, linkable, 60.0 + 2 * partition.LOOSE_TAU_S))

    n_one, n_ten = candidates(one, len(fine)), candidates(ten, 10 * len(fine))
    assert n_one > 100 and n_ten == 10 * n_one


def test_ruling_clusters_out_by_footprint_changes_no_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The post-passes skip clusters whose footprints lie beyond any gate's reach of a report's (`footprint`);
    computing every cost instead gives the same clusters."""
    from trucewatch.fusion import footprint, group
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=8, seed=11, start=start)
    ag = load_agreement(files.agreement)
    cols = ObservationColumns.of(o for _, o in read_file(files.observations, Context.for_agreement(
        ag, now=start + timedelta(days=9))).accepted)  # fmt: skip

    def grouped() -> list[list[str]]:
        return sorted(sorted(v.report.id for v in c.members) for c in group(cols, ag.projector, ag.place)[1])

    import trucewatch.fusion.associate as associate

    monkeypatch.setattr(associate, "FOOTPRINT_FROM", 0)  # every report's candidates narrowed by footprint
    pruned = grouped()
    monkeypatch.setattr(footprint, "may_meet", lambda a, b, reach: True)
    monkeypatch.setattr(footprint, "may_meet_many", lambda a, b, reach: np.ones(len(b), dtype=bool))
    assert grouped() == pruned and len(pruned) > 100


def test_a_lone_wild_bearing_joins_the_one_launch_in_time_its_sensor_could_have_heard(ag) -> None:  # type: ignore[no-untyped-def]
    """A lone acoustic bearing pointing nowhere near any launch, at the time two cameras locate one within its
    sensor's reach: it joins that launch as an outlier. A second launch at that time 300 km away (another
    sector of the front) leaves the choice as it was; with only the far launch, the bearing stays alone."""
    from trucewatch.fusion.associate import Cluster, finish, refit_all

    def launch(k: str, east: float) -> Cluster:
        def camera(i: str, lon: float, lat: float) -> Observation:
            return _obs(f"{k}{i}", 0, source_kind="fixed_camera", source_id=f"camera-{k}{i}", type="muzzle_flash",
                        observer_lon=lon + east, observer_lat=lat, bearing_sigma_deg=1.0, grade="A2",
                        bearing_deg=round(_bearing(ag, lon + east, lat, 35.45 + east, 51.25), 2))  # fmt: skip

        c = Cluster.of(prepare([camera("1", 35.30, 51.10), camera("2", 35.55, 51.15)], ag.projector, ag.place))
        refit_all([c])
        return c

    def lone() -> Cluster:
        wild = _obs("w", 0.2, observer_lon=35.40, observer_lat=51.05, bearing_deg=200.0)  # the launch lies north
        c = Cluster.of(prepare([wild], ag.projector, ag.place))
        refit_all([c])
        return c

    def grouped(*clusters: Cluster) -> list[list[str]]:
        return sorted(sorted(v.report.id for v in c.members) for c in finish(list(clusters)))

    assert grouped(launch("n", 0.0), launch("f", 4.3), lone()) == [["f1", "f2"], ["n1", "n2", "w"]]
    assert grouped(launch("f", 4.3), lone()) == [["f1", "f2"], ["w"]]


def test_the_post_pass_gates_in_arrays_rule_out_only_what_cost_rules_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`point_gate` judges (report, cluster) pairs in arrays: its position gate rules a pair out exactly when
    one of the report's measurements fails `_point_cost` against the cluster's located estimate of its end;
    its discs rule out only pairs none of whose measurements `cost` could pass. Attaching vague reports with
    it gives the clusters that costing every candidate gives."""
    from trucewatch.domain.results import LINE_ONLY
    from trucewatch.fusion import group, point_gate
    from trucewatch.fusion.associate import _farthest, _measurement_cost, _point_cost
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=8, seed=12, start=start)
    ag = load_agreement(files.agreement)
    cols = ObservationColumns.of(o for _, o in read_file(files.observations, Context.for_agreement(
        ag, now=start + timedelta(days=9))).accepted)  # fmt: skip
    views, clusters = group(cols, ag.projector, ag.place)
    views = [v for v in views if v.measurements][::7]
    report, cluster = (a.ravel() for a in np.meshgrid(np.arange(len(views)), np.arange(len(clusters)), indexing="ij"))
    measured, located = point_gate.Measured(views), point_gate.Located(clusters)
    pairs = list(zip(report.tolist(), cluster.tolist(), strict=True))

    def fails(v, c) -> bool:  # type: ignore[no-untyped-def]
        for m in v.measurements:
            e = c.estimates.get(m.aspect)
            if e is not None and e.c00 < 1e9 and e.method != LINE_ONLY and _point_cost(m, e) == math.inf:
                return True
        return False

    gated = point_gate._fails_a_gate(measured, located, report, cluster)
    assert gated.tolist() == [fails(views[r], clusters[c]) for r, c in pairs] and 0.5 < float(gated.mean()) < 1.0
    # the discs, with a reach so short that they rule out most pairs: none they rule out could pass
    out = point_gate.ruled_out(measured, located, report, cluster, 1_000.0)
    short = [(r, c) for (r, c), o, g in zip(pairs, out.tolist(), gated.tolist(), strict=True) if o and not g]
    assert len(short) > 1000
    # ... as `cost` judges with reach that short: every measurement's gate fails or has nothing to check
    monkeypatch.setattr("trucewatch.fusion.associate.joint_reach", lambda *a: 0.0)
    monkeypatch.setattr("trucewatch.fusion.associate.CROSS_ASPECT_SLACK_M", 0.0)
    checked = [(r, c) for r, c in short if all(m.ray is None for m in views[r].measurements)]  # rays reach far
    assert len(checked) > 300
    for r, c in checked:
        assert all(_measurement_cost(m, views[r], clusters[c]) in (math.inf, None) for m in views[r].measurements)
    monkeypatch.undo()
    assert point_gate.ruled_out(measured, located, report, cluster, _farthest(clusters)).sum() >= gated.sum()

    def grouped() -> list[list[str]]:
        return sorted(sorted(v.report.id for v in c.members) for c in group(cols, ag.projector, ag.place)[1])

    kept = grouped()
    monkeypatch.setattr(point_gate, "ruled_out", lambda measured, located, r, c, far: np.zeros(len(r), dtype=bool))
    assert grouped() == kept


def test_a_footprint_with_a_place_unknown_is_never_ruled_out() -> None:
    """Footprints rule clusters out only by places they know: one with a position not a number meets any."""
    from trucewatch.fusion import footprint

    far = footprint.disc([(0.0, 0.0)], 0.0)
    unknown = footprint.disc([(1e7, 1e7), (math.nan, 0.0)], 0.0)
    assert not footprint.may_meet(footprint.disc([(1e7, 1e7)], 0.0), far, 50_000.0)
    assert footprint.may_meet(unknown, far, 50_000.0)
    assert footprint.may_meet_many(far, np.array([unknown]), 50_000.0).tolist() == [True]


def test_a_cluster_built_at_once_is_the_cluster_adding_each_report_makes(ag) -> None:  # type: ignore[no-untyped-def]
    """`Cluster.of` builds a cluster in one go; it must hold what adding its reports one by one gives: times,
    the event's latest report (not its aftermath's), sources, and the weapon's reach (a named weapon's
    over an unnamed one's), whatever the order."""
    from trucewatch.fusion.associate import Cluster

    kinds = [
        {"type": "explosion", "weapon_class": "mortar"},
        {"type": "explosion"},
        {"type": "impact", "aspect": "impact", "weapon_class": "artillery"},
        {"type": "muzzle_flash", "weapon_class": "small_arms"},
        {"type": "impact", "aspect": "impact"},
    ]
    rng = np.random.default_rng(4)
    obs = [
        _obs(
            f"o{k}",
            float(rng.uniform(0, 30)),
            source_id=f"s-{k % 4}",
            observer_lon=35.3,
            observer_lat=51.1,
            bearing_deg=float(rng.uniform(0, 359)),
            **kinds[k % len(kinds)],
        )  # fmt: skip
        for k in range(40)
    ]
    views = prepare(obs, ag.projector, ag.place)
    assert {v.weapon_known for v in views} == {True, False}
    for _ in range(30):
        some = [views[k] for k in rng.permutation(len(views))[: int(rng.integers(1, 12))].tolist()]
        one_by_one = Cluster()
        for v in some:
            one_by_one.add(v)
        assert Cluster.of(some) == one_by_one
    assert Cluster.of([]) == Cluster()


def test_the_partition_reads_prepares_columns_as_it_would_read_the_views(tmp_path: Path) -> None:
    """`prepare` keeps what the partition reads of each view (`PRIMARY`) as arrays; gathered by index they
    equal, column for column, what reading every view gives, and the partition lets go of them once read."""
    from trucewatch.fusion import partition
    from trucewatch.fusion.columns import ObservationColumns
    from trucewatch.intake.formats import read_file
    from trucewatch.intake.validate import Context
    from trucewatch.scenario.generate import generate

    start = datetime(2026, 3, 1, tzinfo=UTC)
    files = generate(tmp_path, days=5, seed=13, start=start)
    ag = load_agreement(files.agreement)
    cols = ObservationColumns.of(o for _, o in read_file(files.observations, Context.for_agreement(
        ag, now=start + timedelta(days=6))).accepted)  # fmt: skip
    views = prepare(cols, ag.projector, ag.place, sensing=ag.sensing)
    fine = [v for v in views if not v.coarse and v.measurements][::-1]  # in an order of their own
    held = fine[0].measurements[0].rows
    assert partition._held(fine) is not None
    gathered = partition._Cols(fine)
    primary, held.primary = held.primary, None
    read = partition._Cols(fine)  # nothing held: every view read
    names = sorted(vars(read))
    assert names == sorted(vars(gathered)) and len(names) == 20
    for name in names:
        a, b = getattr(gathered, name), getattr(read, name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name
    assert {name for name in names if len(np.unique(getattr(read, name))) > 1} >= {"px", "ox", "arrival", "aspect"}
    held.primary = primary
    partition.components(fine)
    assert held.primary is None
