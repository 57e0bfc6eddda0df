"""Write the self-contained HTML daily reports and their index (no network needed to open them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from trucewatch import __version__
from trucewatch.agreement.model import Agreement
from trucewatch.assess.confidence import DEFINITION, LEVELS
from trucewatch.domain.observation import Observation
from trucewatch.domain.results import Finding, Incident
from trucewatch.publish.charts import trend_chart
from trucewatch.publish.figures import empty_day, figures, local_day, truce_days
from trucewatch.publish.maps import sector_map


@dataclass(frozen=True)
class CheckpointRef:
    size: int
    root_b64: str
    note: str


def _env() -> Environment:
    return Environment(loader=PackageLoader("trucewatch.publish", "templates"), autoescape=select_autoescape())


def _json_for_script(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True).replace("</", "<\\/")


def _describe(o: Observation) -> str:
    parts = []
    if o.weapon_class:
        parts.append(o.weapon_class.value.replace("_", " "))
    if o.count:
        parts.append(f"×{o.count}")
    if o.direction or o.bearing_deg is not None:
        parts.append("direction " + (o.direction or f"{o.bearing_deg:.0f}°"))
    if o.distance_min_m is not None or o.distance_max_m is not None:
        parts.append(f"{(o.distance_min_m or 0) / 1000:g}–{(o.distance_max_m or 0) / 1000:g} km")
    if o.alleging_party:
        parts.append(f"complaint by {o.alleging_party}")
    if o.narrative:
        parts.append(o.narrative[:160])
    return "; ".join(parts)


def _row(inc: Incident, f: Finding, obs: dict[str, Observation]) -> dict[str, Any]:
    loc = inc.origin if inc.family == "fire" and inc.origin else inc.site or inc.origin
    resp = ", ".join(f"{k} {v:.2f}" for k, v in sorted(f.responsibility.items(), key=lambda kv: -kv[1]))
    named = f.responsible_party or "undetermined"
    return {
        "id": inc.id,
        "time": inc.start.astimezone(UTC).strftime("%H:%M:%S"),
        "type": inc.type.replace("_", " "),
        "weapon": (inc.weapon_class.value.replace("_", " ") if inc.weapon_class else "—"),
        "location": f"{loc.lat:.3f}, {loc.lon:.3f} (±{loc.sigma_m * 2.45:.0f} m, 95 %)" if loc else "not located",
        "outcome": f.outcome.value,
        "obligations": ", ".join(f"{r.obligation_id}{'' if r.probability >= 0.995 else f' (p {r.probability:.2f})'}"
                                 for r in f.obligations) or "—",
        "responsibility": f"{named}" + (f" ({resp})" if resp else ""),
        "confidence": f"{f.confidence} ({f.confidence_score:.2f}; {f.independent_sources} sources)",
        "status": f.status.value.replace("_", " "),
        "n_obs": len(inc.observation_ids),
        "rationale": f.rationale,
        "observations": [
            {"id": o.id, "time": o.observed_at.astimezone(UTC).strftime("%H:%M:%S"),
             "source": o.source_kind.value.replace("_", " "), "type": o.type.value.replace("_", " "),
             "what": _describe(o), "grade": o.grade.code}
            for o in sorted((obs[i] for i in inc.observation_ids), key=lambda o: (o.observed_at, o.id))
        ],
    }  # fmt: skip


def write_reports(
    out: Path,
    ag: Agreement,
    incidents: list[Incident],
    findings: list[Finding],
    observations: dict[str, Observation],
    checkpoint: CheckpointRef,
    until: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    tz = ag.spec.window.timezone
    parties = ag.party_ids
    inc_by_id = {i.id: i for i in incidents}
    f_by_inc = {f.incident_id: f for f in findings}
    figs = figures(findings, inc_by_id, parties, tz)
    last_seen = max((local_day(i.start, tz) for i in incidents), default=None)
    days = [d.isoformat() for d in truce_days(ag.start, ag.stop, tz, until or last_seen)]
    env = _env()
    common = {
        "agreement": ag.spec, "agreement_digest": ag.digest, "checkpoint": checkpoint, "version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "parties": parties, "tz": tz,
    }  # fmt: skip
    by_day: dict[str, list[Incident]] = {d: [] for d in days}
    for inc in incidents:
        by_day.setdefault(local_day(inc.start, tz).isoformat(), []).append(inc)
    written = []
    empty = empty_day(parties)
    for n, day in enumerate(days, start=1):
        day_incs = sorted(by_day.get(day, []), key=lambda i: (i.start, i.id))
        rows = [_row(i, f_by_inc[i.id], observations) for i in day_incs]
        fig = figs.get(day, empty)
        html = env.get_template("day.html").render(
            **common, day=day, day_number=n, total_days=len(truce_days(ag.start, ag.stop, tz)), fig=fig,
            obligations=ag.obligations, incidents=day_incs, rows=rows,
            uncovered=[r for r, i in zip(rows, day_incs, strict=True) if f_by_inc[i.id].uncovered_activity],
            map_uri=sector_map(ag, day_incs, f_by_inc, f"{ag.spec.title}: {day}"),
            chart_uri=trend_chart(days[:n], figs, parties, highlight=day),
            threshold=ag.spec.settings.attribution_threshold, confidence_definition=DEFINITION,
            confidence_levels=LEVELS,
            figures_json=_json_for_script({"tree_size": checkpoint.size, "root": checkpoint.root_b64,
                                           "checkpoint_note": checkpoint.note, "days": {day: fig}}),
        )  # fmt: skip
        path = out / f"day-{day}.html"
        path.write_text(html, encoding="utf-8")
        written.append(path)
        if progress:
            progress(n, len(days))
    totals: dict[str, int] = {}
    for d in days:
        for p, k in figs.get(d, empty)["violations"].items():
            totals[p] = totals.get(p, 0) + k
    index = env.get_template("index.html").render(
        **common, window=f"{ag.start.isoformat()} to {ag.stop.isoformat()} ({tz})",
        party_names=[f"{p.id}: {p.name}" for p in ag.spec.parties], totals=totals,
        chart_uri=trend_chart(days, figs, parties),
        days=[{"day": d, "violations": figs.get(d, empty)["violations"], "incidents": len(by_day.get(d, []))}
              for d in days],
        figures_json=_json_for_script({"tree_size": checkpoint.size, "root": checkpoint.root_b64,
                                       "checkpoint_note": checkpoint.note,
                                       "days": {d: figs.get(d, empty) for d in days}}),
    )  # fmt: skip
    (out / "index.html").write_text(index, encoding="utf-8")
    written.append(out / "index.html")
    return written
