"""Assessment: every obligation kind, attribution probabilities, complaints, uncovered activity."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from shapely.geometry import Point

from trucewatch.agreement import load_agreement
from trucewatch.assess import assess_incident
from trucewatch.assess.geoprob import probability_inside
from trucewatch.domain.enums import Outcome
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Incident, LocationEstimate

from .conftest import SUDZHA

T = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ag():  # type: ignore[no-untyped-def]
    return load_agreement(SUDZHA)


def loc(ag, lon: float, lat: float, sigma: float = 50.0) -> LocationEstimate:  # type: ignore[no-untyped-def]
    x, y = ag.projector.to_xy(lon, lat)
    return LocationEstimate(lat=lat, lon=lon, x=float(x), y=float(y), cov=((sigma**2, 0), (0, sigma**2)),
                            method="direct")  # fmt: skip


def obs(i: str, kind: str = "monitor_patrol", **kw: object) -> Observation:
    base = {"id": i, "observed_at": T, "source_kind": kind, "source_id": i, "type": "explosion", "lat": 51.2,
            "lon": 35.3, "grade": "B2"}  # fmt: skip
    if kind == "party_complaint":
        base["alleging_party"] = "UA"
    base.update(kw)
    return Observation.model_validate(base)


def incident(type_: str, family: str, origin=None, site=None, weapon=None, n: int = 2) -> Incident:  # type: ignore[no-untyped-def]
    return Incident(id="I-test", observation_ids=tuple(f"o{k}" for k in range(n)), type=type_, family=family,
                    start=T, end=T, origin=origin, site=site, weapon_class=weapon)  # fmt: skip


def two_sources() -> list[Observation]:
    return [obs("o0"), obs("o1", "acoustic_sensor", source_group="array-2")]


def test_fire_from_inside_a_party_area_is_that_party_s_violation(ag) -> None:  # type: ignore[no-untyped-def]
    f = assess_incident(incident("explosion", "fire", origin=loc(ag, 35.55, 51.25), site=loc(ag, 35.3, 51.3)),
                        two_sources(), ag)  # fmt: skip
    assert f.outcome is Outcome.VIOLATION
    assert f.responsible_party == "RU" and f.responsibility["RU"] == 1.0
    assert [r.obligation_id for r in f.obligations] == ["CF-1"]


def test_origin_on_the_contact_line_is_undetermined_with_probabilities(ag) -> None:  # type: ignore[no-untyped-def]
    line = ag.to_lonlat(ag.contact_line).interpolate(0.5, normalized=True)
    f = assess_incident(incident("explosion", "fire", origin=loc(ag, line.x, line.y, 800)), two_sources(), ag)
    assert f.outcome is Outcome.VIOLATION  # fire is prohibited wherever it came from
    assert f.responsible_party is None  # but who fired is not known well enough
    assert 0.2 < f.responsibility["RU"] < 0.8 and 0.2 < f.responsibility["UA"] < 0.8
    assert "undetermined" in f.rationale


def test_fire_with_no_located_origin_has_no_responsible_party(ag) -> None:  # type: ignore[no-untyped-def]
    f = assess_incident(incident("explosion", "fire", site=loc(ag, 35.3, 51.3)), two_sources(), ag)
    assert f.outcome is Outcome.VIOLATION and f.responsible_party is None and f.responsibility == {}


def test_strike_on_a_protected_site_breaches_the_protection_clause(ag) -> None:  # type: ignore[no-untyped-def]
    hospital = loc(ag, 35.2660, 51.1930)
    f = assess_incident(incident("explosion", "fire", origin=loc(ag, 35.55, 51.25), site=hospital), two_sources(), ag)
    assert {r.obligation_id for r in f.obligations} == {"CF-1", "CF-3"}


@pytest.mark.parametrize(
    ("lon", "lat", "weapon", "violation"),
    [
        (35.50, 51.25, "artillery", True),  # a few km from the line: inside the 25 km zone
        (35.78, 51.40, "mortar", False),  # well beyond 15 km
        (35.760, 51.150, "artillery", False),  # at RU's declared storage site: exempt
    ],
)
def test_heavy_weapons_and_withdrawal_zones(ag, lon: float, lat: float, weapon: str, violation: bool) -> None:  # type: ignore[no-untyped-def]
    if not violation and weapon == "mortar":
        assert ag.contact_line.distance(ag.to_metric(Point(lon, lat))) > 15_000
    f = assess_incident(incident("heavy_weapon", "weapon", site=loc(ag, lon, lat), weapon=weapon), two_sources(), ag)
    assert (f.outcome is Outcome.VIOLATION) is violation
    assert f.responsible_party == "RU"  # by location: the weapon stands in RU's area


def test_troops_in_the_buffer_zone(ag) -> None:  # type: ignore[no-untyped-def]
    on_line = ag.to_lonlat(ag.contact_line).interpolate(0.3, normalized=True)
    f = assess_incident(incident("troop_movement", "movement", site=loc(ag, on_line.x, on_line.y, 100)),
                        two_sources(), ag)  # fmt: skip
    assert f.outcome is Outcome.VIOLATION and [r.obligation_id for r in f.obligations] == ["CF-4"]
    far = assess_incident(incident("troop_movement", "movement", site=loc(ag, 35.1, 51.3)), two_sources(), ag)
    assert far.outcome is Outcome.NO_VIOLATION and far.uncovered_activity


def test_restricting_the_mission_is_attributed_to_the_party_named_by_monitors(ag) -> None:  # type: ignore[no-untyped-def]
    monitors = [obs("o0", type="movement_restriction", subject_party="UA"), obs("o1", type="movement_restriction",
                source_id="p2", subject_party="UA")]  # fmt: skip
    f = assess_incident(incident("movement_restriction", "access", site=loc(ag, 35.55, 51.25)), monitors, ag)
    assert f.outcome is Outcome.VIOLATION and f.responsible_party == "UA"
    assert [r.obligation_id for r in f.obligations] == ["CF-5"]


def test_report_only_clause_is_noted_not_a_violation(ag) -> None:  # type: ignore[no-untyped-def]
    f = assess_incident(incident("resupply", "resupply", site=loc(ag, 35.1, 51.3)), two_sources(), ag)
    assert f.outcome is Outcome.NO_VIOLATION
    assert [(r.obligation_id, r.kind) for r in f.obligations] == [("CF-6", "report")]
    assert "reportable under CF-6" in f.rationale and not f.uncovered_activity


@pytest.mark.parametrize("kind", ["mobilisation", "training"])
def test_activities_the_agreement_is_silent_on_are_flagged(ag, kind: str) -> None:  # type: ignore[no-untyped-def]
    f = assess_incident(incident(kind, kind, site=loc(ag, 35.1, 51.3)), two_sources(), ag)
    assert f.outcome is Outcome.NO_VIOLATION and f.uncovered_activity and not f.obligations


def test_a_complaint_alone_is_never_a_violation(ag) -> None:  # type: ignore[no-untyped-def]
    f = assess_incident(incident("explosion", "fire", origin=loc(ag, 35.55, 51.25), n=1),
                        [obs("o0", "party_complaint")], ag)  # fmt: skip
    assert f.outcome is Outcome.UNDETERMINED and f.mission_sources == 0 and f.confidence == "low"


def test_outside_the_time_window_is_no_violation(ag) -> None:  # type: ignore[no-untyped-def]
    inc = incident("explosion", "fire", origin=loc(ag, 35.55, 51.25)).model_copy(
        update={"start": datetime(2027, 3, 1, tzinfo=UTC), "end": datetime(2027, 3, 1, tzinfo=UTC)}
    )
    assert assess_incident(inc, two_sources(), ag).outcome is Outcome.NO_VIOLATION


def test_two_monitors_of_one_patrol_are_one_source(ag) -> None:  # type: ignore[no-untyped-def]
    same = [obs("o0", source_id="patrol-3/a", source_group="patrol-3"),
            obs("o1", source_id="patrol-3/b", source_group="patrol-3")]  # fmt: skip
    f = assess_incident(incident("explosion", "fire", origin=loc(ag, 35.55, 51.25)), same, ag)
    assert f.independent_sources == 1
    g = assess_incident(incident("explosion", "fire", origin=loc(ag, 35.55, 51.25)), two_sources(), ag)
    assert g.independent_sources == 2 and g.confidence_score > f.confidence_score


def test_the_zones_assessment_reads_are_made_once_per_agreement(ag) -> None:  # type: ignore[no-untyped-def]
    """Assessment asks for the same unions of zones for every incident: each is made once and is the same
    object after (so its boundary is prepared and indexed once), and is the union of what it names."""
    from shapely.ops import unary_union

    from trucewatch.domain.enums import WeaponClass

    heavy = next(iter(ag.withdrawal))
    zone = ag.withdrawal_zone([heavy])
    assert zone is ag.withdrawal_zone([heavy]) and zone.equals(ag.withdrawal[heavy][1])
    assert ag.withdrawal_zone([WeaponClass.SMALL_ARMS]) is None and WeaponClass.SMALL_ARMS not in ag.withdrawal
    every = ag.protected_zone([])
    assert every is ag.protected_zone([]) and every.equals(unary_union([s.zone for s in ag.protected_sites]))
    one = ag.protected_sites[0].category
    mine = ag.protected_zone([one, one])
    assert mine is ag.protected_zone([one]) and mine.equals(
        unary_union([s.zone for s in ag.protected_sites if s.category == one])
    )
    for pid in ag.control:
        others = ag.others_area(pid)
        assert others is ag.others_area(pid)
        assert others.equals(unary_union([g for q, g in ag.control.items() if q != pid]))


def test_probability_inside_matches_the_analytic_half_plane() -> None:
    from shapely.geometry import box

    zone = box(0, -1e6, 1e6, 1e6)  # x >= 0
    for mx, s in [(0.0, 100.0), (100.0, 100.0), (-150.0, 100.0), (5000.0, 100.0)]:
        p = probability_inside(mx, 0.0, np.eye(2) * s * s, zone)
        want = 0.5 * (1 + math.erf(mx / (s * math.sqrt(2))))
        assert p == pytest.approx(want, abs=0.02)


def test_near_a_corner_positions_get_what_sampling_gives_at_every_distance() -> None:
    """Near a corner the boundary within reach is two segments, so positions are sampled; farther out they
    are decided without sampling, and only where no sample point could cross: at every distance, round or
    long ellipse, the answer equals the share of sample points inside."""
    from shapely.geometry import box

    from trucewatch.assess.geoprob import _inside, clear_sigmas, sample_points

    assert 3.0 < clear_sigmas() < 5.0
    zone = box(0, 0, 1e6, 1e6)  # a quadrant, its corner at the origin
    decided = 0
    for d in np.linspace(-6.0, 6.0, 97):
        for cov in (np.eye(2) * 100.0**2, np.array([[100.0**2, 2000.0], [2000.0, 30.0**2]])):
            sigma = math.sqrt(max(np.linalg.eigvalsh(cov)))
            x = y = d * sigma / math.sqrt(2)  # along the diagonal through the corner
            assert probability_inside(x, y, cov, zone) == _inside(sample_points(x, y, cov), zone)
            decided += abs(d) > clear_sigmas() * math.sqrt(2)
    assert decided > 10  # positions decided without sampling were among them


def test_along_a_straight_edge_the_probability_is_the_exact_half_plane_share() -> None:
    from shapely.geometry import box

    zone = box(0, -1e6, 1e6, 1e6)  # x >= 0 here
    cov = np.array([[150.0**2, 6000.0], [6000.0, 80.0**2]])  # a tilted ellipse: 150 m across the edge
    for x in (-400.0, -120.0, 0.0, 35.0, 300.0):
        want = 0.5 * (1 + math.erf(x / (150.0 * math.sqrt(2))))
        assert probability_inside(x, 0.0, cov, zone) == pytest.approx(want, abs=1e-12)


def test_area_probabilities_together_equal_one_at_a_time(ag) -> None:  # type: ignore[no-untyped-def]
    """Positions far inside an area, across the contact line and near it, with round and long ellipses:
    computed together, each gets exactly the probabilities `probability_inside` gives it alone."""
    from trucewatch.assess.geoprob import party_probabilities_many

    rng = np.random.default_rng(11)
    line = ag.contact_line
    xs, ys, covs = [], [], []
    for k in range(60):
        p = line.interpolate(float(rng.uniform(0, line.length)))
        off = float(rng.choice([0.0, 300.0, 2_000.0, 15_000.0]))
        xs.append(p.x + off * float(rng.choice([-1, 1])))
        ys.append(p.y + float(rng.normal(0, 500)))
        a = float(rng.uniform(50, 3000)) ** 2
        covs.append(np.array([[a, 0.0], [0.0, a / 9]]) if k % 2 else np.eye(2) * a)
    together = party_probabilities_many(np.array(xs), np.array(ys), np.array(covs), ag.control)
    sampled = 0
    for x, y, cov, probs in zip(xs, ys, covs, together, strict=True):
        alone = {pid: round(probability_inside(x, y, cov, zone), 4) for pid, zone in sorted(ag.control.items())}
        assert {pid: probs[pid] for pid in alone} == alone
        sampled += any(0.0 < p < 1.0 for p in alone.values())
    assert sampled >= 5  # the near-boundary path was exercised, not only the clear one


def _lone_bearing(ag, lon: float, lat: float, bearing_deg: float) -> LocationEstimate:  # type: ignore[no-untyped-def]
    """What fusion makes of one acoustic bearing with no distance: its span (50 m to 15 km) as a Gaussian."""
    from trucewatch.fusion.localize import localize
    from trucewatch.fusion.measure import Measurement, Ray

    ox, oy = (float(v) for v in ag.projector.to_xy(lon, lat))
    ray = Ray(ox, oy, math.radians(bearing_deg), math.radians(2.0), 50.0, 15_000.0, False)
    est = localize([Measurement(0, "origin", ray=ray)])  # type: ignore[arg-type]
    assert est is not None and est.method == "bearing only"
    elon, elat = (float(v) for v in ag.projector.to_lonlat(est.x, est.y))
    return LocationEstimate(lat=elat, lon=elon, x=est.x, y=est.y, cov=tuple(map(tuple, est.cov.tolist())),  # type: ignore[arg-type]
                            method=est.method)  # fmt: skip


def test_a_lone_bearing_across_the_line_names_no_party_and_says_what_it_cannot_place(ag) -> None:  # type: ignore[no-untyped-def]
    """A bearing without a distance says which way, not how far: across the contact line the origin could be
    on either side. Read as a Gaussian about its middle it would favour the far side; its lower bounds
    along the span give neither side anything, and the rest is stated as unplaced."""
    from trucewatch.assess.attribution import UNPLACED
    from trucewatch.assess.geoprob import party_probabilities_many

    east = _lone_bearing(ag, 35.38, 51.25, 90.0)  # from UA's side of the line, across it into RU's
    gaussian = party_probabilities_many(np.array([east.x]), np.array([east.y]), np.array([east.cov]), ag.control)[0]
    assert gaussian["RU"] > 0.6  # what the Gaussian reading would have stated
    f = assess_incident(incident("explosion", "fire", origin=east), two_sources(), ag)
    assert f.responsible_party is None
    assert f.responsibility[UNPLACED] > 0.95 and f.responsibility["RU"] < 0.05 and f.responsibility["UA"] < 0.05
    west = _lone_bearing(ag, 35.38, 51.25, 270.0)  # into UA's rear: UA's wherever along it the origin is
    g = assess_incident(incident("explosion", "fire", origin=west), two_sources(), ag)
    assert g.responsible_party == "UA" and g.responsibility["UA"] > 0.99 and UNPLACED not in g.responsibility


def test_bounds_along_a_span_are_the_least_of_its_places_however_few_are_sampled(ag) -> None:  # type: ignore[no-untyped-def]
    """The bounds skip sampling where places already known settle them; they must be exactly the least of
    what every place along the span gives."""
    from trucewatch.assess.geoprob import SPAN_POINTS, party_lower_bounds_along, party_probabilities_many

    rng = np.random.default_rng(7)
    cx, cy = (float(v) for v in ag.projector.to_xy(35.43, 51.22))
    n = 60
    x, y = cx + rng.uniform(-15e3, 15e3, n), cy + rng.uniform(-25e3, 25e3, n)
    angle, along, across = rng.uniform(0, np.pi, n), rng.uniform(500, 9000, n), rng.uniform(100, 800, n)
    c, s = np.cos(angle), np.sin(angle)
    cov = np.empty((n, 2, 2))
    cov[:, 0, 0] = along**2 * c * c + across**2 * s * s
    cov[:, 1, 1] = along**2 * s * s + across**2 * c * c
    cov[:, 0, 1] = cov[:, 1, 0] = (along**2 - across**2) * s * c
    bounds = party_lower_bounds_along(x, y, cov, ag.control)
    places = np.linspace(-1, 1, SPAN_POINTS) * math.sqrt(3)
    px = (x[:, None] + places * (along * c)[:, None]).ravel()
    py = (y[:, None] + places * (along * s)[:, None]).ravel()
    pcov = np.zeros((n * SPAN_POINTS, 2, 2))
    pcov[:, 0, 0] = pcov[:, 1, 1] = np.repeat(across**2, SPAN_POINTS)
    each = party_probabilities_many(px, py, pcov, ag.control)
    crossing = 0
    for k in range(n):
        at = each[k * SPAN_POINTS : (k + 1) * SPAN_POINTS]
        for key in ("UA", "RU", "outside"):
            assert bounds[k].get(key, 0.0) == pytest.approx(min(p.get(key, 0.0) for p in at), abs=2e-4), (k, key)
        crossing += bounds[k]["UA"] == 0 and bounds[k]["RU"] == 0
    assert 5 < crossing < n - 5  # both kinds present: spans across a boundary and spans within one area


def test_an_origin_at_the_map_s_edge_is_the_party_s_when_the_agreement_says_fire_comes_only_from_its_areas(
    ag,
) -> None:  # type: ignore[no-untyped-def]
    """An origin 200 m inside the northern edge of UA's mapped area, with a 600 m error, lies partly beyond
    the map. Read as the map alone it states that share as outside every area; an agreement that says fire
    comes only from within the parties' areas makes the map's edge no third place, and the share is UA's.
    A position far beyond the map contradicts that premise and stays outside."""
    import dataclasses

    from shapely.geometry import LineString

    from trucewatch.assess.attribution import responsibility
    from trucewatch.assess.geoprob import OUTSIDE

    ua = ag.control["UA"]
    cx = ua.centroid.x
    top = max(y for _, y in ua.intersection(LineString([(cx, ua.bounds[1]), (cx, ua.bounds[3])])).coords)
    lon, lat = ag.projector.to_lonlat(cx, top - 200.0)
    edge = incident("explosion", "fire", origin=loc(ag, float(lon), float(lat), sigma=600.0))
    lon, lat = ag.projector.to_lonlat(cx, top + 30_000.0)
    beyond = incident("explosion", "fire", origin=loc(ag, float(lon), float(lat), sigma=600.0))

    probs, basis = responsibility(edge, two_sources(), ag)
    assert 0.2 < probs[OUTSIDE] < 0.5 and probs["UA"] == pytest.approx(1 - probs[OUTSIDE], abs=1e-3)
    settings = ag.spec.settings.model_copy(update={"origins_within_control_areas": True})
    within = dataclasses.replace(ag, spec=ag.spec.model_copy(update={"settings": settings}))
    probs_w, basis_w = responsibility(edge, two_sources(), within)
    assert probs_w == {"UA": 1.0, "RU": 0.0}
    assert "conditional on the origin lying in a party's area" in basis_w and basis_w.startswith(basis)
    assert responsibility(beyond, two_sources(), within)[0] == {"UA": 0.0, "RU": 0.0, OUTSIDE: 1.0}
    assert assess_incident(edge, two_sources(), within).responsible_party == "UA"
    assert assess_incident(edge, two_sources(), ag).responsible_party is None  # under the 0.8 threshold


def test_odds_for_many_positions_equal_each_computed_alone() -> None:
    """`Odds` decides many positions at once per zone (assessment's path): near a corner (sampled), along an
    edge (the half-plane share), far inside and far outside, each gets exactly what `probability_inside`
    gives it alone, for every zone asked about; none for an empty zone."""
    from shapely.geometry import Polygon, box

    from trucewatch.assess.geoprob import Odds

    rng = np.random.default_rng(5)
    n = 400
    x, y = rng.uniform(-800.0, 800.0, n), rng.uniform(-800.0, 800.0, n)
    a = rng.uniform(20.0, 300.0, n) ** 2
    c = rng.uniform(20.0, 300.0, n) ** 2
    b = rng.uniform(-0.9, 0.9, n) * np.sqrt(a * c)
    cov = np.stack([np.stack([a, b], axis=1), np.stack([b, c], axis=1)], axis=1)
    zones = [box(0, 0, 1e6, 1e6), Polygon([(-500, -500), (500, -400), (0, 600)]), box(5e5, 5e5, 6e5, 6e5)]
    odds = Odds(x, y, cov)
    got = [[odds.inside(k, z) for k in range(n)] for z in zones]
    want = [[probability_inside(float(x[k]), float(y[k]), cov[k], z) for k in range(n)] for z in zones]
    assert got == want
    values = {p for row in got for p in row}
    assert 0.0 in values and 1.0 in values and len(values) > 100  # decided, and sampled or half-plane shares
    assert odds.inside(0, Polygon()) == 0.0 and odds.inside(0, None) == 0.0


def test_the_shipped_normal_sample_is_the_seeded_sobol_sample_and_normal() -> None:
    """Probabilities average over a fixed sample shipped with the package: a standard normal (mean about 0,
    covariance about the identity, no point repeated), made by `unit_normal_sample` with the SciPy its file
    names (data/README.md); with that SciPy, making it again gives it to the bit."""
    import scipy

    from trucewatch.assess.geoprob import SAMPLES, _unit_normal, unit_normal_sample

    z = _unit_normal()
    assert z.shape == (SAMPLES, 2) and z.dtype == np.float64
    assert np.abs(z.mean(axis=0)).max() < 0.01 and np.abs(np.cov(z.T) - np.eye(2)).max() < 0.01
    assert len(np.unique(z, axis=0)) == SAMPLES
    if scipy.__version__ == "1.17.1":  # another SciPy may scramble otherwise: the shipped sample is then the record
        assert np.array_equal(unit_normal_sample(), z)
