"""The HTTP API: every route × role, one error shape, redaction, idempotency, limits, the workflow."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from .server_fixtures import ROLES, Served

OK, FORBIDDEN, UNAUTHORIZED = 200, 403, 401


def _obs(client_id: str, **kw: object) -> dict[str, object]:
    t = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0).isoformat()
    return {"client_id": client_id, "observed_at": t, "source_kind": "monitor_patrol", "source_id": "patrol-9",
            "type": "explosion", "lat": 51.2, "lon": 35.3, "grade": "B2", **kw}  # fmt: skip


# route, method, body, {role: expected status}; roles not listed expect FORBIDDEN
MATRIX = [
    ("/api/v1/observations", "POST", [_obs("m-1")], {"monitor": OK, "analyst": OK, "chief": OK}),
    ("/api/v1/complaints", "POST", [_obs("c-1")], {"party": OK}),
    ("/api/v1/decisions", "POST", None, {"analyst": 201, "chief": 201}),
    ("/api/v1/runs", "POST", None, {"analyst": 201, "chief": 201}),
    ("/api/v1/publish", "POST", None, {"chief": 201}),
    ("/api/v1/incidents", "GET", None, {r: OK for r in ROLES}),
    ("/api/v1/findings", "GET", None, {r: OK for r in ROLES}),
    ("/api/v1/reports", "GET", None, {r: OK for r in ROLES}),
    ("/api/v1/exports/csv", "GET", None, {r: OK for r in ROLES}),
    ("/api/v1/agreement", "GET", None, {r: OK for r in ROLES}),
    ("/api/v1/me", "GET", None, {r: OK for r in ROLES}),
]


def _incident(s: Served) -> str:
    r = s.client.get("/api/v1/incidents", params={"outcome": "violation"}, headers=s.headers("analyst"))
    return r.json()["incidents"][0]["id"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method", "body", "expected"), MATRIX, ids=[f"{m} {r}" for r, m, _, _ in MATRIX])
def test_route_by_role(served_module: Served, role: str, route: str, method: str, body: object, expected: dict) -> None:
    served = served_module
    if route.endswith("/decisions"):
        body = {"incident_id": _incident(served), "attribute": "A", "reason": "route matrix"}
    r = served.client.request(method, route, headers=served.headers(role), json=body)
    want = expected.get(role, FORBIDDEN)
    assert r.status_code == want, r.text
    if want == FORBIDDEN:
        assert r.json() == {"ok": False, "status": 403, "code": "forbidden", "error": r.json()["error"]}
        assert role in r.json()["error"]


def test_one_error_shape_for_every_error_status(served: Served) -> None:
    c = served.client
    cases = [
        c.get("/api/v1/incidents/I-nope"),  # 404
        c.get("/api/v1/no-such-route"),  # 404
        c.delete("/api/v1/incidents"),  # 405
        c.get("/api/v1/incidents", params={"limit": "many"}),  # 422
        c.get("/api/v1/me", headers={"Authorization": "Bearer tw_not-a-token"}),  # 401
        c.get("/api/v1/me", headers={"Authorization": "Basic abc"}),  # 401
        c.post("/api/v1/observations", headers=served.headers("monitor"), content=b"{not json"),  # 400
        c.post("/api/v1/runs"),  # 403
        c.post("/api/v1/decisions", headers=served.headers("analyst"),
               json={"incident_id": "I-x", "status": "verified", "reason": "because"}),  # 409
    ]  # fmt: skip
    assert sorted({r.status_code for r in cases}) == [400, 401, 403, 404, 405, 409, 422]
    for r in cases:
        body = r.json()
        assert set(body) - {"details", "rejected"} == {"ok", "status", "error", "code"}, body
        assert body["ok"] is False and body["status"] == r.status_code and body["error"]


def test_submission_is_idempotent_and_attributed(served: Served) -> None:
    h = served.headers("monitor")
    batch = [_obs(f"idem-{i}") for i in range(5)]
    r1 = served.client.post("/api/v1/observations", headers=h, json=batch).json()
    r2 = served.client.post("/api/v1/observations", headers=h, json=batch).json()
    assert (r1["stored"], r1["unchanged"]) == (5, 0)
    assert (r2["stored"], r2["unchanged"]) == (0, 5)
    one = served.client.post("/api/v1/observations", headers=h, json=_obs("single")).json()
    assert one["stored"] == 1
    from sqlalchemy import select

    from trucewatch.store import schema as t

    with served.mission.engine.connect() as conn:
        who = conn.execute(select(t.observations.c.imported_by).where(t.observations.c.id == "idem-0")).scalar_one()
    assert who == "monitor-1"


def test_bad_items_are_quarantined_and_named(served: Served) -> None:
    h = served.headers("monitor")
    r = served.client.post("/api/v1/observations", headers=h, json=[_obs("fine"), _obs("bad", lat=95), 7])
    body = r.json()
    assert r.status_code == 200 and body["stored"] == 1
    assert {(x["index"], x["field"]) for x in body["rejected"]} == {(1, "lat"), (2, "(item)")}
    r = served.client.post("/api/v1/observations", headers=h, json=[_obs("bad2", observed_at="soon")])
    assert r.status_code == 422 and r.json()["rejected"][0]["field"] == "observed_at"


def test_oversize_body_and_batch_are_refused(served: Served) -> None:
    h = served.headers("monitor")
    big = served.client.post("/api/v1/observations", headers={**h, "content-type": "application/json"},
                             content=b"[" + b" " * (9 * 1024 * 1024) + b"]")  # fmt: skip
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    many = served.client.post("/api/v1/observations", headers=h, json=[_obs(f"x{i}") for i in range(5001)])
    assert many.status_code == 413 and "limit is 5000" in many.json()["error"]


def test_party_and_public_never_see_observer_identities(served: Served) -> None:
    inc = _incident(served)
    inside = served.client.get(f"/api/v1/incidents/{inc}", headers=served.headers("analyst")).json()["incident"]
    assert any("source_id" in o for o in inside["observations"])
    served.client.post("/api/v1/publish", headers=served.headers("chief"))
    for role in ("party", "mediator", "public"):
        r = served.client.get("/api/v1/incidents", headers=served.headers(role))
        for i in r.json()["incidents"][:20]:
            detail = served.client.get(f"/api/v1/incidents/{i['id']}", headers=served.headers(role)).json()
            text = json.dumps(detail)
            for field in ("source_id", "observer_lat", "observer_lon", "source_group", "bearing_deg"):
                assert f'"{field}"' not in text, (role, field)
            for known in ("acoustic-", "post-", "patrol-", "uav-", "liaison-"):
                assert known not in text, (role, known)


def test_public_sees_only_published_findings_and_coarsened_places(served: Served) -> None:
    assert served.client.get("/api/v1/incidents").json()["total"] == 0  # nothing published yet
    served.client.post("/api/v1/publish", headers=served.headers("chief"))
    pub = served.client.get("/api/v1/incidents").json()
    inside = served.client.get("/api/v1/incidents", headers=served.headers("analyst")).json()
    assert pub["total"] == inside["total"] > 0
    i_pub = {i["id"]: i for i in pub["incidents"]}
    grid = served.mission.agreement.spec.settings.public_coarsen_m
    for i in inside["incidents"][:30]:
        loc, ploc = i["origin"] or i["site"], i_pub[i["id"]]["origin"] or i_pub[i["id"]]["site"]
        if loc is None:
            continue
        assert abs(loc["lat"] - ploc["lat"]) * 110_540 <= grid / 2 + 1
        assert ploc["cov"][0][0] >= loc["cov"][0][0] and "x" not in ploc
    # a later observation and run are not public until the chief publishes again
    served.client.post("/api/v1/observations", headers=served.headers("monitor"), json=_obs("late", lat=51.3))
    served.client.post("/api/v1/runs", headers=served.headers("analyst"))
    assert served.client.get("/api/v1/incidents").json()["total"] == pub["total"]


def test_party_reads_findings_about_it_and_follows_its_complaint(served: Served) -> None:
    a = served.client.get("/api/v1/incidents", headers=served.headers("party")).json()["incidents"]
    assert a and all(i["finding"]["responsibility"].get("A", 0) > 0 for i in a)
    r = served.client.post("/api/v1/complaints", headers=served.headers("party"),
                           json=_obs("complaint-1", lat=51.1, lon=35.2, source_kind="open_source"))  # fmt: skip
    assert r.status_code == 200 and r.json()["stored"] == 1
    served.client.post("/api/v1/runs", headers=served.headers("chief"))
    mine = [i for i in served.client.get("/api/v1/incidents", headers=served.headers("party")).json()["incidents"]
            if "complaint-1" in i["observation_ids"]]  # fmt: skip
    assert len(mine) == 1
    detail = served.client.get(f"/api/v1/incidents/{mine[0]['id']}", headers=served.headers("party")).json()
    [o] = [o for o in detail["incident"]["observations"] if o["id"] == "complaint-1"]
    assert o["source_kind"] == "party_complaint" and o["alleging_party"] == "A"  # forced from the token


def test_decisions_through_the_api_move_the_status(served: Served) -> None:
    inc = _incident(served)
    h = served.headers("analyst")
    assert (
        served.client.post(
            "/api/v1/decisions", headers=h, json={"incident_id": inc, "status": "under_review", "reason": "api"}
        ).status_code
        == 201
    )
    detail = served.client.get(f"/api/v1/incidents/{inc}", headers=h).json()["incident"]
    assert detail["finding"]["status"] == "under_review"
    assert detail["decisions"][0]["decided_by"] == "analyst-1"
    bad = served.client.post("/api/v1/decisions", headers=h, json={"incident_id": inc, "status": "verified",
                                                                   "reason": "skip"})  # fmt: skip
    assert bad.status_code == 409 and "cannot move" in bad.json()["error"]


def test_revoked_and_expired_tokens_are_refused(served: Served) -> None:
    from trucewatch.store.users import revoke_user

    with served.mission.engine.begin() as conn:
        revoke_user(conn, "monitor-1")
    r = served.client.get("/api/v1/me", headers=served.headers("monitor"))
    assert r.status_code == 401 and "revoked" in r.json()["error"]


def test_concurrent_requests_share_one_token_lookup_and_revocation_still_lands(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import time

    import httpx

    from trucewatch.server import deps
    from trucewatch.store.users import revoke_user

    lookups: list[str] = []
    real = deps._lookup

    def counting(st: deps.State, token: str) -> object:
        lookups.append(token)
        time.sleep(0.05)  # a slow store: every request below arrives while the lookup runs
        return real(st, token)

    monkeypatch.setattr(deps, "_lookup", counting)
    monkeypatch.setattr(deps, "TOKEN_CACHE_SECONDS", 0.5)
    app = served.client.app
    h = served.headers("mediator")

    async def burst() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            rs = await asyncio.gather(*(c.get("/api/v1/me", headers=h) for _ in range(20)))
        return [r.status_code for r in rs]

    assert asyncio.run(burst()) == [200] * 20
    assert len(lookups) == 1
    with served.mission.engine.begin() as conn:
        revoke_user(conn, "mediator-1")
    time.sleep(0.6)
    assert set(asyncio.run(burst())) == {401}
    assert len(lookups) == 2


def test_checkpoint_and_proofs_respect_roles(served: Served) -> None:
    served.client.post("/api/v1/publish", headers=served.headers("chief"))
    note = served.client.get("/api/v1/checkpoint").text
    assert note.startswith("trucewatch.mission/scenario\n")
    assert served.client.get("/api/v1/proofs/0", headers=served.headers("analyst")).status_code == 200
    r = served.client.get("/api/v1/proofs/0")  # entry 0 is an observation
    assert r.status_code == 403
    from sqlalchemy import select

    from trucewatch.store import schema as t

    with served.mission.engine.connect() as conn:
        idx = conn.execute(select(t.findings.c.leaf_index).where(t.findings.c.leaf_index.is_not(None))).first()[0]
    bundle = served.client.get(f"/api/v1/proofs/{idx}").json()["bundle"]
    from trucewatch.record.bundle import verify_bundle

    pub = (served.dir / "keys" / "mission.pub").read_text().strip()
    assert verify_bundle(json.dumps(bundle), [pub])["entry"]["kind"] == "finding"


def test_openapi_document_lists_the_routes(served: Served) -> None:
    doc = served.client.get("/openapi.json").json()
    for route in (
        "/api/v1/observations", "/api/v1/complaints", "/api/v1/incidents", "/api/v1/incidents/{incident_id}",
        "/api/v1/decisions", "/api/v1/publish", "/api/v1/reports/{name}", "/api/v1/proofs/{index}",
    ):  # fmt: skip
        assert route in doc["paths"]


def test_read_routes_by_role(served: Served) -> None:
    """The routes that take an id, for every role (publication first, so the public has something)."""
    c = served.client
    assert c.post("/api/v1/publish", headers=served.headers("chief")).status_code == 201
    inc = next(i for i in c.get("/api/v1/incidents", headers=served.headers("analyst")).json()["incidents"]
               if i["finding"]["responsible_party"] == "A" and not i["finding"]["responsibility"].get("B"))  # fmt: skip
    from sqlalchemy import select

    from trucewatch.store import schema as t

    with served.mission.reader.connect() as conn:
        finding_leaf = conn.execute(
            select(t.findings.c.leaf_index).where(t.findings.c.leaf_index.is_not(None))
        ).first()[0]
        obs_leaf = conn.execute(select(t.observations.c.leaf_index)).first()[0]
    expect = {
        f"/api/v1/incidents/{inc['id']}": {"monitor": 200, "analyst": 200, "chief": 200, "party": 200,
                                           "mediator": 200, "public": 200, "party-b": 404},
        "/api/v1/reports/index.html": dict.fromkeys([*ROLES, "party-b"], 200),
        "/api/v1/reports/../../keys/mission.key": dict.fromkeys([*ROLES, "party-b"], 404),
        "/api/v1/checkpoint": dict.fromkeys([*ROLES, "party-b"], 200),
        f"/api/v1/proofs/{finding_leaf}": dict.fromkeys([*ROLES, "party-b"], 200),
        f"/api/v1/proofs/{obs_leaf}": {"monitor": 200, "analyst": 200, "chief": 200, "mediator": 200,
                                       "party": 403, "party-b": 403, "public": 403},
    }  # fmt: skip
    for route, by_role in expect.items():
        for role, want in by_role.items():
            headers = {} if role == "public" else {"Authorization": f"Bearer {served.tokens[role]}"}
            r = c.get(route, headers=headers)
            assert r.status_code == want, (route, role, r.status_code, r.text[:200])
