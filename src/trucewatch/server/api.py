"""The HTTP API under /api/v1: the command line's operations, with roles and redaction."""

from __future__ import annotations

import itertools
import os
import re
from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection, select

from trucewatch.domain.enums import Status
from trucewatch.domain.results import Finding, Incident
from trucewatch.intake.rows import IntakeResult, RawRow, Rejection, RowError
from trucewatch.intake.validate import Context, to_observation
from trucewatch.pipeline import run as run_pipeline
from trucewatch.publication import publish_reports, published_view
from trucewatch.publish.export import EXPORTERS
from trucewatch.server.deps import State, caller, require, state
from trucewatch.server.errors import ApiError
from trucewatch.server.limits import MAX_BATCH
from trucewatch.server.redact import INSIDE, incident_view, observation_view, visible_to_party
from trucewatch.server.writer import IntakeJob
from trucewatch.store import schema as t
from trucewatch.store.checkpoints import bundle, latest
from trucewatch.store.decisions import record_decision
from trucewatch.store.observations import observations_by_id
from trucewatch.store.runs import effective_findings, load_decisions, load_incidents
from trucewatch.store.users import User

router = APIRouter(prefix="/api/v1")
REPORT_NAME = re.compile(r"^(index|day-\d{4}-\d{2}-\d{2})\.html$")
OBSERVATION_SCHEMA = {
    "oneOf": [{"$ref": "#/components/schemas/ObservationIn"},
              {"type": "array", "items": {"$ref": "#/components/schemas/ObservationIn"}, "maxItems": MAX_BATCH}],
}  # fmt: skip


class ObservationIn(BaseModel):
    """The JSON Lines observation fields (see the README); ids are assigned from client_id."""

    client_id: str
    observed_at: datetime
    source_kind: str
    source_id: str
    type: str
    lat: float | None = None
    lon: float | None = None


class SubmitResult(BaseModel):
    ok: bool = True
    received: int
    stored: int
    unchanged: int
    rejected: list[dict[str, Any]]


class DecisionIn(BaseModel):
    incident_id: str = Field(min_length=1, max_length=64)
    status: Status | None = None
    attribute: str | None = Field(default=None, max_length=100)
    reason: str = Field(min_length=3, max_length=2000)


def _items(body: Any) -> list[Any]:
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_BATCH:
        raise ApiError(413, f"batch of {len(items)} observations; the limit is {MAX_BATCH} per request")
    if not items:
        raise ApiError(422, "empty batch")
    return items


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)  # strict RFC 8259: no NaN or Infinity, integers within 64 bits, UTF-8 only
    except orjson.JSONDecodeError as e:
        raise ApiError(400, f"body is not JSON: {e}") from None


def _intake(st: State, items: list[Any], user: User, force: dict[str, Any], source: str) -> IntakeResult:
    ctx = Context.for_agreement(st.mission.agreement)
    res = IntakeResult()
    for i, item in enumerate(items):
        raw = orjson.dumps(item, option=orjson.OPT_SORT_KEYS)[:65536]
        row = RawRow(source, i + 1, raw, item if isinstance(item, dict) else {})
        if not isinstance(item, dict):
            res.rejected.append(Rejection(row.file, row.line, "(item)", "each observation must be a JSON object", raw))
            continue
        try:
            res.accepted.append((row, to_observation({**item, **force}, ctx)))
        except RowError as e:
            res.rejected.append(Rejection(row.file, row.line, e.field, e.reason, raw))
    return res


# names each request in quarantine: random per server process, then counted (no system call per request)
_REQUEST_PREFIX = os.urandom(4).hex()
_request_numbers = itertools.count(1)


async def _submit(st: State, items: list[Any], user: User, force: dict[str, Any]) -> Response:
    source = f"api:{user.name}:{_REQUEST_PREFIX}-{next(_request_numbers)}"
    if len(items) > 50:  # validating a big batch would stall the event loop
        res = await _threaded(_intake, st, items, user, force, source)
    else:
        res = _intake(st, items, user, force, source)
    summary = await st.writer.submit_async(IntakeJob(res, user.name, source))
    rejected = [{"index": r.line - 1, "field": r.field, "reason": r.reason} for r in summary.rejected]
    if not res.accepted and rejected:
        raise ApiError(422, f"no observation accepted; first problem: {rejected[0]['field']}: {rejected[0]['reason']}",
                       rejected=rejected)  # fmt: skip
    out = {"ok": True, "received": len(items), "stored": summary.new, "unchanged": summary.unchanged,
           "rejected": rejected}  # fmt: skip
    # the SubmitResult shape, written directly: the busiest route skips re-validating its own answer
    return Response(orjson.dumps(out), media_type="application/json")


@router.post("/observations", response_model=SubmitResult, tags=["intake"],
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": OBSERVATION_SCHEMA}}}})  # fmt: skip
async def submit_observations(request: Request, user: User = Depends(caller)) -> Response:
    """Submit one observation or a batch (monitors, analysts, chief). Idempotent by client_id."""
    require(user, "monitor", "analyst", "chief")
    items = _items(await _json(request))
    bad = [i for i, it in enumerate(items) if isinstance(it, dict) and it.get("source_kind") == "party_complaint"]
    if bad:
        raise ApiError(422, "party complaints go to /api/v1/complaints", rejected=[{"index": i} for i in bad])
    return await _submit(state(request), items, user, {})


@router.post("/complaints", response_model=SubmitResult, tags=["intake"],
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": OBSERVATION_SCHEMA}}}})  # fmt: skip
async def submit_complaints(request: Request, user: User = Depends(caller)) -> Response:
    """A party liaison files complaints; source and alleging party are set from the token."""
    require(user, "party")
    items = _items(await _json(request))
    force = {"source_kind": "party_complaint", "source_id": user.name, "alleging_party": user.party}
    return await _submit(state(request), items, user, force)


async def _threaded(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


def _view(conn: Connection, user: User) -> tuple[list[Incident], dict[str, Finding]]:
    if user.role == "public":
        incidents, findings = published_view(conn)
    else:
        incidents, findings = load_incidents(conn), effective_findings(conn)
    by_inc = {f.incident_id: f for f in findings}
    if user.role == "party":
        assert user.party is not None
        mine = set(conn.execute(select(t.observations.c.id).where(t.observations.c.imported_by == user.name)).scalars())
        complaints = {i.id for i in incidents if mine & set(i.observation_ids)}
        incidents = [i for i in incidents if i.id in by_inc and visible_to_party(by_inc[i.id], user.party, complaints)]
    return incidents, by_inc


def _filter(incidents: list[Incident], by_inc: dict[str, Finding], since: datetime | None, until: datetime | None,
            bbox: str | None, party: str | None, type_: str | None, status: str | None,
            outcome: str | None) -> list[Incident]:  # fmt: skip
    box = None
    if bbox:
        try:
            box = [float(v) for v in bbox.split(",")]
            assert len(box) == 4
        except (ValueError, AssertionError):
            raise ApiError(422, "bbox must be minlon,minlat,maxlon,maxlat") from None
    out = []
    for i in incidents:
        f = by_inc.get(i.id)
        loc = i.origin or i.site
        if since and i.end < since or until and i.start > until:
            continue
        if type_ and i.type != type_ or party and (f is None or f.responsible_party != party):
            continue
        if status and (f is None or f.status.value != status) or outcome and (f is None or f.outcome.value != outcome):
            continue
        if box and (loc is None or not (box[0] <= loc.lon <= box[2] and box[1] <= loc.lat <= box[3])):
            continue
        out.append(i)
    return out


@router.get("/incidents", tags=["findings"])
def list_incidents(
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: str | None = Query(None, description="minlon,minlat,maxlon,maxlat"),
    party: str | None = Query(None, max_length=100),
    type: str | None = Query(None, max_length=40),
    status: str | None = Query(None, max_length=40),
    outcome: str | None = Query(None, max_length=40),
    limit: int = Query(500, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=10**9),
    user: User = Depends(caller),
) -> dict[str, Any]:
    """Incidents with their findings, filtered by time, area, party, type, status and outcome."""
    st = state(request)
    with st.mission.reader.connect() as conn:
        incidents, by_inc = _view(conn, user)
    sel = _filter(incidents, by_inc, since, until, bbox, party, type, status, outcome)
    grid = st.mission.agreement.spec.settings.public_coarsen_m
    page = sel[offset : offset + limit]
    return {
        "ok": True,
        "total": len(sel),
        "incidents": [incident_view(i, by_inc.get(i.id), user.role, grid) for i in page],
    }


@router.get("/findings", tags=["findings"])
def list_findings(request: Request, outcome: str | None = Query(None, max_length=40),
                  user: User = Depends(caller)) -> dict[str, Any]:  # fmt: skip
    """Findings only (the assessment of each visible incident)."""
    with state(request).mission.reader.connect() as conn:
        incidents, by_inc = _view(conn, user)
    fs = [by_inc[i.id] for i in incidents if i.id in by_inc]
    fs = [f for f in fs if not outcome or f.outcome.value == outcome]
    return {"ok": True, "total": len(fs), "findings": [f.model_dump(mode="json") for f in fs]}


@router.get("/incidents/{incident_id}", tags=["findings"])
def get_incident(request: Request, incident_id: str, user: User = Depends(caller)) -> dict[str, Any]:
    """One incident: its finding, its observations (redacted for the caller's role), its decisions."""
    st = state(request)
    with st.mission.reader.connect() as conn:
        incidents, by_inc = _view(conn, user)
        inc = next((i for i in incidents if i.id == incident_id), None)
        if inc is None:
            raise ApiError(404, f"no incident {incident_id!r} visible to you")
        obs = observations_by_id(conn, list(inc.observation_ids))
        decisions = load_decisions(conn).get(incident_id, [])
    grid = st.mission.agreement.spec.settings.public_coarsen_m
    body = incident_view(inc, by_inc.get(inc.id), user.role, grid)
    body["observations"] = [observation_view(obs[o], user.role, grid) for o in inc.observation_ids if o in obs]
    body["decisions"] = [
        {**d.model_dump(mode="json"), **({} if user.role in INSIDE | {"mediator"} else {"decided_by": d.role})}
        for d in decisions
    ]
    return {"ok": True, "incident": body}


@router.post("/decisions", tags=["decisions"], status_code=201)
def decide(request: Request, body: DecisionIn, user: User = Depends(caller)) -> dict[str, Any]:
    """Record an analyst's or the chief monitor's decision (status or attribution), with reason."""
    require(user, "analyst", "chief")
    if (body.status is None) == (body.attribute is None):
        raise ApiError(422, "give exactly one of status or attribute")
    st = state(request)
    parties = st.mission.agreement.party_ids
    d = st.writer.submit(lambda conn: record_decision(conn, parties, body.incident_id, body.status, body.attribute,
                                                      body.reason, user.name, user.role))  # fmt: skip
    return {"ok": True, "decision": d.model_dump(mode="json")}


@router.post("/runs", tags=["decisions"], status_code=201)
def run(request: Request, user: User = Depends(caller)) -> dict[str, Any]:
    """Fuse and assess everything received so far (analysts, chief)."""
    require(user, "analyst", "chief")
    s = run_pipeline(state(request).mission)
    return {"ok": True, "run": s.run, "incidents": s.incidents, "violations": s.violations}


@router.post("/publish", tags=["publication"], status_code=201)
def publish(request: Request, user: User = Depends(caller)) -> dict[str, Any]:
    """Sign a checkpoint and publish the daily reports (chief monitor only)."""
    require(user, "chief")
    pub = publish_reports(state(request).mission)
    return {"ok": True, "tree_size": pub.checkpoint.size, "reports": [p.name for p in pub.paths]}


@router.get("/reports", tags=["publication"])
def reports(request: Request, user: User = Depends(caller)) -> dict[str, Any]:
    folder = state(request).mission.reports_dir
    names = sorted(p.name for p in folder.glob("*.html") if REPORT_NAME.match(p.name)) if folder.exists() else []
    return {"ok": True, "reports": names}


@router.get("/reports/{name}", tags=["publication"], response_class=FileResponse)
def report_file(request: Request, name: str, user: User = Depends(caller)) -> FileResponse:
    if not REPORT_NAME.match(name):
        raise ApiError(404, f"no report {name!r}")
    path = state(request).mission.reports_dir / name
    if not path.exists():
        raise ApiError(404, f"no report {name!r}; the chief monitor publishes them")
    return FileResponse(path, media_type="text/html")


@router.get("/exports/{fmt}", tags=["publication"])
def export(request: Request, fmt: str, user: User = Depends(caller)) -> Response:
    """Findings visible to the caller as CSV, GeoJSON or ACLED-compatible CSV."""
    if fmt not in EXPORTERS:
        raise ApiError(404, f"no export format {fmt!r}; expected one of {', '.join(EXPORTERS)}")
    with state(request).mission.reader.connect() as conn:
        incidents, by_inc = _view(conn, user)
    data = EXPORTERS[fmt](incidents, list(by_inc.values()))
    media = "application/geo+json" if fmt == "geojson" else "text/csv"
    return Response(data, media_type=media, headers={"content-disposition": f"attachment; filename=findings.{fmt}"})


@router.get("/checkpoint", tags=["record"], response_class=PlainTextResponse)
def checkpoint(request: Request, user: User = Depends(caller)) -> PlainTextResponse:
    """The latest signed checkpoint (C2SP signed note)."""
    with state(request).mission.reader.connect() as conn:
        cp = latest(conn)
    if cp is None:
        raise ApiError(404, "no checkpoint yet")
    return PlainTextResponse(cp.note)


PUBLIC_ENTRY_KINDS = {"finding", "publication", "run", "decision"}


@router.get("/proofs/{index}", tags=["record"])
def proof(request: Request, index: int = PathParam(ge=0, le=2**62), user: User = Depends(caller)) -> dict[str, Any]:
    """A proof bundle for one record entry; outside the mission only for findings, decisions, runs, publications."""
    with state(request).mission.reader.connect() as conn:
        kind = conn.execute(select(t.log_leaves.c.kind).where(t.log_leaves.c.idx == index)).scalar_one_or_none()
        if kind is None:
            raise ApiError(404, f"no record entry {index}")
        if user.role not in INSIDE | {"mediator"} and kind not in PUBLIC_ENTRY_KINDS:
            raise ApiError(403, f"entry {index} is a {kind}; its bundle would reveal observer details")
        return {"ok": True, "bundle": bundle(conn, index)}


@router.get("/agreement", tags=["agreement"])
def agreement(request: Request) -> dict[str, Any]:
    """Parties, window, obligations and geography (GeoJSON, lon/lat) for maps."""
    from shapely.geometry import mapping

    ag = state(request).mission.agreement

    def feature(geom: Any, **props: Any) -> dict[str, Any]:
        return {"type": "Feature", "properties": props, "geometry": geom}

    feats = [feature(mapping(ag.to_lonlat(g)), role="control", party=pid) for pid, g in ag.control.items()]
    if ag.contact_line is not None:
        feats.append(feature(mapping(ag.to_lonlat(ag.contact_line)), role="contact_line"))
    if ag.buffer_zone is not None:
        feats.append(feature(mapping(ag.to_lonlat(ag.buffer_zone.simplify(50))), role="buffer_zone"))
    for s in ag.protected_sites:
        point = {"type": "Point", "coordinates": [s.lon, s.lat]}
        feats.append(feature(point, role="protected_site", name=s.name, category=s.category))
    return {
        "ok": True, "id": ag.id, "title": ag.spec.title, "parties": [p.model_dump() for p in ag.spec.parties],
        "window": {"start": ag.start.isoformat(), "stop": ag.stop.isoformat(), "timezone": ag.spec.window.timezone},
        "obligations": [{"id": o.id, "text": o.text, "kind": o.kind} for o in ag.obligations],
        "disclaimer": ag.spec.geography.disclaimer, "attributions": ag.attributions,
        "geography": {"type": "FeatureCollection", "features": feats},
    }  # fmt: skip


@router.get("/me", tags=["users"])
def me(user: User = Depends(caller)) -> dict[str, Any]:
    return {"ok": True, "name": user.name, "role": user.role, "party": user.party}
