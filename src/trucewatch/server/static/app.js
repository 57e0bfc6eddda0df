// Trucewatch dashboard: plain JavaScript, no external scripts, styles, fonts or map tiles.
"use strict";

const state = { token: localStorage.getItem("tw-token") || "", me: { role: "public" }, agreement: null, incidents: [] };
const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const PARTY_COLOURS = ["#1f5fa8", "#b8322a", "#2a8a4a", "#8a5a2a"];
const OUTCOME_COLOURS = { violation: "#c0392b", undetermined: "#e69f00", no_violation: "#7f8c8d" };

// Each navigation (a route, the filters applied) starts a new view; a view still fetching when a newer one
// starts must not draw over it (the map asked for at sign-in answering after the page asked for since).
let navigation = 0;
function current() { const mine = navigation; return () => mine === navigation; }

async function api(path, opts = {}) {
  const headers = Object.assign({ "content-type": "application/json" }, opts.headers || {});
  if (state.token) headers.authorization = "Bearer " + state.token;
  const res = await fetch("/api/v1" + path, Object.assign({}, opts, { headers }));
  const type = res.headers.get("content-type") || "";
  const body = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new Error(body && body.error ? body.error : "HTTP " + res.status);
  return body;
}

// --- map: an equirectangular projection scaled by cos(latitude), drawn as SVG ---
function projector(features, width, height) {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const visit = (c) => { if (typeof c[0] === "number") { minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]); miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]); } else c.forEach(visit); };
  features.forEach((f) => visit(f.geometry.coordinates));
  const k = Math.cos(((miny + maxy) / 2) * Math.PI / 180);
  const sx = width / ((maxx - minx) * k || 1), sy = height / ((maxy - miny) || 1), s = Math.min(sx, sy) * 0.94;
  const ox = (width - (maxx - minx) * k * s) / 2, oy = (height - (maxy - miny) * s) / 2;
  const p = (lon, lat) => [ox + (lon - minx) * k * s, height - oy - (lat - miny) * s];
  p.metresPerPixel = 110540 / s;
  return p;
}

function pathOf(geom, p) {
  const ring = (r) => r.map((c, i) => (i ? "L" : "M") + p(c[0], c[1]).map((v) => v.toFixed(1)).join(",")).join("");
  switch (geom.type) {
    case "Polygon": return geom.coordinates.map((r) => ring(r) + "Z").join("");
    case "MultiPolygon": return geom.coordinates.map((poly) => poly.map((r) => ring(r) + "Z").join("")).join("");
    case "LineString": return ring(geom.coordinates);
    case "MultiLineString": return geom.coordinates.map(ring).join("");
    default: return "";
  }
}

function ellipse(loc, p, colour) {
  const [[a, b], [, c]] = loc.cov;
  const tr = a + c, det = a * c - b * b, disc = Math.sqrt(Math.max(tr * tr / 4 - det, 0));
  const l1 = tr / 2 + disc, l2 = Math.max(tr / 2 - disc, 0);
  const angle = Math.atan2(l1 - a, b || 1e-9) * 180 / Math.PI;
  const k = 2.4477 / p.metresPerPixel; // 95 %
  const [x, y] = p(loc.lon, loc.lat);
  const rx = Math.sqrt(l1) * k, ry = Math.sqrt(l2) * k;
  if (rx > 400) return "";
  return `<ellipse cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" rx="${rx.toFixed(1)}" ry="${ry.toFixed(1)}" transform="rotate(${(-angle).toFixed(1)} ${x.toFixed(1)} ${y.toFixed(1)})" fill="none" stroke="${colour}" stroke-width="0.8"/>`;
}

function drawMap(incidents) {
  const W = 760, H = 600, feats = state.agreement.geography.features;
  const p = projector(feats, W, H);
  const parties = state.agreement.parties.filter((x) => x.role === "party").map((x) => x.id);
  let svg = `<svg class="map" id="map" viewBox="0 0 ${W} ${H}" role="img" aria-label="map of the sector">`;
  for (const f of feats) {
    const r = f.properties.role;
    if (r === "control") svg += `<path d="${pathOf(f.geometry, p)}" fill="${PARTY_COLOURS[parties.indexOf(f.properties.party) % 4]}" fill-opacity="0.09" stroke="none"><title>area of ${esc(f.properties.party)}</title></path>`;
    if (r === "buffer_zone") svg += `<path d="${pathOf(f.geometry, p)}" fill="#888" fill-opacity="0.18" stroke="none"><title>buffer zone</title></path>`;
    if (r === "contact_line") svg += `<path d="${pathOf(f.geometry, p)}" fill="none" stroke="#111" stroke-width="2"><title>contact line</title></path>`;
    if (r === "protected_site") { const [x, y] = p(...f.geometry.coordinates); svg += `<rect x="${x - 3}" y="${y - 3}" width="6" height="6" fill="#117a65"><title>${esc(f.properties.name)} (${esc(f.properties.category)})</title></rect>`; }
  }
  for (const inc of incidents) {
    const f = inc.finding || {}, colour = OUTCOME_COLOURS[f.outcome] || "#333";
    const loc = inc.origin || inc.site;
    if (!loc) continue;
    svg += ellipse(loc, p, colour);
    const [x, y] = p(loc.lon, loc.lat);
    svg += `<circle class="incident" data-id="${esc(inc.id)}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${colour}"><title>${esc(inc.type)} ${esc(inc.start)} — ${esc(f.outcome)}</title></circle>`;
  }
  return svg + "</svg>";
}

function drawTimeline(incidents) {
  const days = {};
  for (const i of incidents) { const d = i.start.slice(0, 10); days[d] = (days[d] || 0) + ((i.finding || {}).outcome === "violation" ? 1 : 0); }
  const keys = Object.keys(days).sort(), max = Math.max(1, ...Object.values(days)), W = 760, H = 100, bw = W / Math.max(keys.length, 1);
  let svg = `<svg class="timeline" id="timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="violations per day">`;
  keys.forEach((k, i) => { const h = (days[k] / max) * (H - 18); svg += `<rect x="${(i * bw + 1).toFixed(1)}" y="${(H - 14 - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#c0392b"><title>${k}: ${days[k]} violations</title></rect>`; });
  if (keys.length) svg += `<text x="0" y="${H - 2}" font-size="10">${keys[0]}</text><text x="${W}" y="${H - 2}" font-size="10" text-anchor="end">${keys[keys.length - 1]}</text>`;
  return svg + "</svg>";
}

async function viewMap() {
  const still = current();
  const q = new URLSearchParams();
  for (const [k, id] of [["since", "f-since"], ["until", "f-until"], ["party", "f-party"], ["outcome", "f-outcome"], ["type", "f-type"], ["status", "f-status"]]) {
    const el = document.getElementById(id); if (el && el.value) q.set(k, k === "since" || k === "until" ? el.value + "T00:00:00Z" : el.value);
  }
  const prev = Object.fromEntries([...q.entries()]);
  const data = await api("/incidents?" + q.toString());
  if (!still()) return;
  state.incidents = data.incidents;
  const parties = state.agreement.parties.filter((x) => x.role === "party");
  const opt = (v, label) => `<option value="${esc(v)}">${esc(label)}</option>`;
  $("#main").innerHTML = `
    <div class="filters panel">
      <label>from <input type="date" id="f-since"></label><label>to <input type="date" id="f-until"></label>
      <label>party <select id="f-party">${opt("", "any")}${parties.map((x) => opt(x.id, x.id)).join("")}</select></label>
      <label>outcome <select id="f-outcome">${opt("", "any")}${["violation", "undetermined", "no_violation"].map((o) => opt(o, o.replace("_", " "))).join("")}</select></label>
      <label>status <select id="f-status">${opt("", "any")}${["reported", "under_review", "corroborated", "verified", "unverified", "disputed", "dismissed"].map((o) => opt(o, o.replace("_", " "))).join("")}</select></label>
      <label>type <input id="f-type" placeholder="e.g. explosion" size="12"></label>
      <label>&nbsp;<button id="apply">Apply</button></label>
    </div>
    <div class="layout">
      <div class="panel">${drawMap(state.incidents)}<p class="note">${esc(state.agreement.disclaimer || "")} Ellipses: 95 % uncertainty. ${state.me.role === "public" ? "Public locations are coarsened." : ""}</p>
        <h3>Violations per day</h3>${drawTimeline(state.incidents)}</div>
      <div class="panel"><h3>${data.total} incidents</h3>
        <table id="incidents"><tr><th>start (UTC)</th><th>type</th><th>outcome</th><th>responsible</th><th>status</th></tr>
        ${state.incidents.map((i) => { const f = i.finding || {}; return `<tr class="clickable" data-id="${esc(i.id)}"><td>${esc(i.start.slice(0, 16).replace("T", " "))}</td><td>${esc(i.type)}</td><td class="${esc(f.outcome)}">${esc((f.outcome || "").replace("_", " "))}</td><td>${esc(f.responsible_party || "undetermined")}</td><td>${esc(f.status)}</td></tr>`; }).join("")}
        </table></div>
    </div>`;
  for (const [k, id] of [["since", "f-since"], ["until", "f-until"], ["party", "f-party"], ["outcome", "f-outcome"], ["type", "f-type"], ["status", "f-status"]]) if (prev[k]) document.getElementById(id).value = prev[k].slice(0, k === "since" || k === "until" ? 10 : undefined);
  $("#apply").onclick = () => { navigation++; viewMap().catch(showError); };
  document.querySelectorAll("[data-id]").forEach((el) => el.addEventListener("click", () => { location.hash = "#/incident/" + el.dataset.id; }));
}

async function viewIncident(id) {
  const still = current();
  const { incident: i } = await api("/incidents/" + encodeURIComponent(id));
  if (!still()) return;
  const f = i.finding || {};
  const loc = i.origin || i.site;
  $("#main").innerHTML = `<p><a href="#/">← map</a></p><div class="panel" id="incident-page">
    <h2>${esc(i.type)} — <span class="${esc(f.outcome)}">${esc((f.outcome || "").replace("_", " "))}</span></h2>
    <p>${esc(i.start)} to ${esc(i.end)} · ${loc ? `${loc.lat.toFixed(4)}, ${loc.lon.toFixed(4)} (1σ ${Math.round(Math.sqrt(Math.max(loc.cov[0][0], loc.cov[1][1])))} m, ${esc(loc.method || "")})` : "not located"}</p>
    <p>Responsible: <b>${esc(f.responsible_party || "undetermined")}</b> ${esc(JSON.stringify(f.responsibility || {}))} · confidence ${esc(f.confidence)} (${esc(f.confidence_score)}) · status <b id="status">${esc(f.status)}</b></p>
    <p>Obligations: ${(f.obligations || []).map((o) => `${esc(o.obligation_id)} (${esc(o.kind)}, p ${esc(o.probability)})`).join(", ") || "none"}</p>
    <p class="note">${esc(f.rationale)}</p>
    <h3>Observations</h3><table id="observations"><tr><th>time</th><th>source</th><th>type</th><th>grade</th><th>details</th></tr>
    ${i.observations.map((o) => `<tr><td>${esc(o.observed_at)}</td><td>${esc(o.source_kind)}${o.source_id ? " · " + esc(o.source_id) : ""}</td><td>${esc(o.type)}</td><td>${esc(o.grade)}</td><td>${esc(o.narrative || "")}</td></tr>`).join("")}</table>
    <h3>Decisions and status history</h3><table id="decisions"><tr><th>when</th><th>by</th><th>action</th><th>value</th><th>reason</th></tr>
    ${i.decisions.map((d) => `<tr><td>${esc(d.decided_at)}</td><td>${esc(d.decided_by)}</td><td>${esc(d.action)}</td><td>${esc(d.value)}</td><td>${esc(d.reason)}</td></tr>`).join("") || "<tr><td colspan=5>none yet: status is reported</td></tr>"}</table>
    ${["analyst", "chief"].includes(state.me.role) ? `<h3>Decide</h3><form id="decide" class="form"><label>new status <select id="d-status">${["under_review", "corroborated", "verified", "unverified", "disputed", "dismissed"].map((s) => `<option>${s}</option>`).join("")}</select></label><label>reason <input id="d-reason" required minlength="3"></label><button>Record decision</button><div id="d-msg"></div></form>` : ""}
  </div>`;
  const form = $("#decide");
  if (form) form.onsubmit = async (e) => {
    e.preventDefault();
    try { await api("/decisions", { method: "POST", body: JSON.stringify({ incident_id: id, status: $("#d-status").value, reason: $("#d-reason").value }) }); await viewIncident(id); }
    catch (err) { $("#d-msg").innerHTML = `<div class="msg err">${esc(err.message)}</div>`; }
  };
}

async function viewReports() {
  const still = current();
  const { reports } = await api("/reports");
  if (!still()) return;
  $("#main").innerHTML = `<div class="panel"><h2>Daily reports</h2>${reports.length ? `<ul id="reports">${reports.map((r) => `<li><a href="/api/v1/reports/${esc(r)}" target="_blank">${esc(r)}</a></li>`).join("")}</ul>` : "<p>Nothing published yet.</p>"}</div>`;
}

function nowLocal() { const d = new Date(); d.setSeconds(0, 0); return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }

function observationForm(kind) {
  const types = kind === "complaint" ? ["explosion", "impact", "air_strike", "armed_clash", "bursts", "protected_site_damage", "civilian_harm", "heavy_weapon", "troop_movement"]
    : ["explosion", "projectile", "muzzle_flash", "illumination_flare", "bursts", "impact", "air_strike", "armed_clash", "heavy_weapon", "troop_movement", "resupply", "mobilisation", "training", "protected_site_damage", "civilian_harm", "movement_restriction", "sensor_interference"];
  return `<div class="panel"><h2>${kind === "complaint" ? "File a complaint" : "Report an observation"}</h2>
  <form id="obs-form" class="form">
    <label>when (your local time) <input id="o-time" type="datetime-local" value="${nowLocal()}" required></label>
    <label>what <select id="o-type">${types.map((t) => `<option>${t}</option>`).join("")}</select></label>
    ${kind === "complaint" ? "" : `<label>how observed <select id="o-source">${["monitor_patrol", "fixed_camera", "drone", "acoustic_sensor"].map((t) => `<option>${t}</option>`).join("")}</select></label>`}
    <label>latitude <input id="o-lat" type="number" step="any" min="-90" max="90" required></label>
    <label>longitude <input id="o-lon" type="number" step="any" min="-180" max="180" required></label>
    <label>precision of the location, metres <input id="o-prec" type="number" min="1" value="500"></label>
    <label>weapon class <select id="o-weapon"><option value="">unknown</option>${["small_arms", "mortar", "tank", "artillery", "mlrs", "heavy_rocket", "aircraft", "drone"].map((t) => `<option>${t}</option>`).join("")}</select></label>
    <label>count <input id="o-count" type="number" min="1"></label>
    <label>what happened <textarea id="o-text" rows="3" maxlength="10000"></textarea></label>
    <button type="submit">Submit</button><div id="o-msg"></div>
  </form></div>`;
}

function bindForm(kind) {
  $("#obs-form").onsubmit = async (e) => {
    e.preventDefault();
    const body = {
      client_id: (kind === "complaint" ? "web-complaint-" : "web-") + crypto.getRandomValues(new Uint32Array(2)).join("-"),
      observed_at: new Date($("#o-time").value).toISOString(), time_precision: "minute", type: $("#o-type").value,
      lat: Number($("#o-lat").value), lon: Number($("#o-lon").value), location_precision_m: Number($("#o-prec").value) || undefined,
      weapon_class: $("#o-weapon").value || undefined, count: Number($("#o-count").value) || undefined, narrative: $("#o-text").value || undefined,
    };
    if (kind !== "complaint") { body.source_kind = $("#o-source").value; body.source_id = state.me.name; }
    try {
      const r = await api(kind === "complaint" ? "/complaints" : "/observations", { method: "POST", body: JSON.stringify(body) });
      $("#o-msg").innerHTML = r.rejected.length ? `<div class="msg err">${esc(r.rejected[0].field)}: ${esc(r.rejected[0].reason)}</div>` : `<div class="msg ok">Received (${esc(body.client_id)}). Thank you.</div>`;
    } catch (err) { $("#o-msg").innerHTML = `<div class="msg err">${esc(err.message)}</div>`; }
  };
}

function showError(err) { $("#main").innerHTML = `<div class="msg err">${esc(err.message)}</div>`; }

async function route() {
  navigation++;
  const still = current();
  const h = location.hash || "#/";
  try {
    if (h.startsWith("#/incident/")) await viewIncident(decodeURIComponent(h.slice(11)));
    else if (h === "#/reports") await viewReports();
    else if (h === "#/complain") { $("#main").innerHTML = observationForm("complaint"); bindForm("complaint"); }
    else if (h === "#/observe") { $("#main").innerHTML = observationForm("observation"); bindForm("observation"); }
    else await viewMap();
  } catch (err) { if (still()) showError(err); }
}

async function signIn() {
  try { state.me = await api("/me"); } catch (err) { state.token = ""; localStorage.removeItem("tw-token"); state.me = { role: "public", name: "public" }; }
  $("#who").textContent = state.me.role === "public" ? "public" : `${state.me.name} (${state.me.role}${state.me.party ? " " + state.me.party : ""})`;
  document.querySelectorAll("[data-role]").forEach((a) => { a.style.display = a.dataset.role.split(" ").includes(state.me.role) ? "" : "none"; });
}

async function start() {
  $("#login").onsubmit = async (e) => { e.preventDefault(); state.token = $("#token").value.trim(); localStorage.setItem("tw-token", state.token); $("#token").value = ""; await signIn(); await route(); };
  $("#logout").onclick = async () => { state.token = ""; localStorage.removeItem("tw-token"); await signIn(); await route(); };
  state.agreement = await api("/agreement");
  $("#title").textContent = state.agreement.title;
  $("#footer").textContent = [state.agreement.disclaimer, ...(state.agreement.attributions || [])].filter(Boolean).join(" · ");
  await signIn();
  window.addEventListener("hashchange", route);
  await route();
}

start().catch(showError);
