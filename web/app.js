// cadresim explorer: the page only draws. Every number comes from the server, which runs the
// library's engine; every setting is validated there with the same rules as scenario files.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  meta: null, metricIndex: {}, run: null, events: null, series: [], base: [],
  values: {}, runId: null, play: null, playChoice: null, runInfo: null,
};

// ---- small helpers ----------------------------------------------------------------------------
function status(text, isError) {
  const el = $("status");
  el.textContent = text;
  el.className = isError ? "error" : "";
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({ field: "server", message: r.statusText }));
  if (!r.ok) {
    const e = new Error(data.message || r.statusText);
    e.field = data.field;
    throw e;
  }
  return data;
}

function showError(e) {
  document.querySelectorAll(".slider.bad").forEach((el) => el.classList.remove("bad"));
  if (e.field) {
    const el = document.querySelector(`.slider[data-path="${e.field}"]`);
    if (el) el.classList.add("bad");
  }
  status(e.message, true);
}

function fmt(x, digits) {
  if (typeof x === "string") x = parseFloat(x);
  if (!isFinite(x)) return "—";
  return x.toFixed(digits === undefined ? 3 : digits);
}

// ---- controls --------------------------------------------------------------------------------
function presetValues(name) {
  return state.meta.presets.find((p) => p.name === name);
}

function buildControls() {
  const m = state.meta;
  for (const sel of [$("preset"), $("play-preset"), $("play-reform")]) {
    sel.innerHTML = "";
    for (const p of m.presets) {
      const o = document.createElement("option");
      o.value = p.name;
      o.textContent = p.name.replace(/_/g, " ");
      sel.appendChild(o);
    }
  }
  $("play-reform").value = "combined_reform";
  $("rule-doc").textContent = m.rule.doc;
  const box = $("sliders");
  box.innerHTML = "";
  for (const s of m.sliders) {
    const div = document.createElement("div");
    div.className = "slider";
    div.dataset.path = s.path;
    div.innerHTML = `
      <div class="slider-head"><label for="sl-${s.path}">${s.label}</label>
        <output id="out-${s.path}"></output>
        <button class="reset" title="reset to the preset's value" data-path="${s.path}">↺</button></div>
      <input type="range" id="sl-${s.path}" min="${s.min}" max="${s.max}" step="${s.step}">
      <p class="doc">${s.doc}. <span class="allowed">${s.path}: ${s.allowed}</span></p>`;
    box.appendChild(div);
    const input = div.querySelector("input");
    input.addEventListener("input", () => {
      state.values[s.path] = parseFloat(input.value);
      $("out-" + s.path).textContent = input.value;
      if (state.runId) status("Settings changed: press Setup to start a run with them (a run keeps the settings it started with).");
    });
    div.querySelector(".reset").addEventListener("click", () => setSlider(s.path, presetValues($("preset").value).values[s.path]));
  }
  $("preset").addEventListener("change", () => applyPreset($("preset").value));
  applyPreset(m.presets[0].name);
}

function setSlider(path, v) {
  const input = $("sl-" + path);
  if (!input || v === undefined || v === null) return;
  input.value = v;
  state.values[path] = parseFloat(input.value);
  $("out-" + path).textContent = input.value;
}

function applyPreset(name, overrides) {
  const p = presetValues(name);
  $("preset").value = name;
  $("preset-desc").textContent = p.description;
  $("rule").value = p.rule;
  // A slider for a parameter the preset does not have (the merged inspection level of a
  // preset with its own levels) is disabled and not sent: setting it would add that parameter.
  for (const s of state.meta.sliders) {
    const absent = !(s.path in p.values);
    $("sl-" + s.path).disabled = absent;
    document.querySelector(`.slider[data-path="${s.path}"]`).classList.toggle("absent", absent);
    if (absent) $("out-" + s.path).textContent = "—";
    else setSlider(s.path, p.values[s.path]);
  }
  if (overrides) {
    for (const [k, v] of Object.entries(overrides)) {
      if (k === "regime.rule") $("rule").value = v;
      else setSlider(k, v);
    }
  }
}

function currentSettings() {
  const set = { "regime.rule": $("rule").value };
  for (const s of state.meta.sliders) if (!$("sl-" + s.path).disabled) set[s.path] = state.values[s.path];
  const seed = parseInt($("seed").value, 10);
  return { preset: $("preset").value, seed: isFinite(seed) ? seed : 1, set };
}

// ---- runs ------------------------------------------------------------------------------------
async function setup() {
  try {
    if (state.events) state.events.close();
    const settings = currentSettings();
    const r = await api("POST", "/api/run", settings);
    state.runId = r.id;
    state.runInfo = r.run;
    state.series = [];
    state.base = [];
    state.grid = null;
    document.querySelectorAll(".slider.bad").forEach((el) => el.classList.remove("bad"));
    $("export-toml").href = `/api/session/${r.id}/scenario.toml`;
    $("export-csv").href = `/api/run/${r.id}/periods.csv`;
    $("export-toml").classList.remove("disabled");
    $("export-csv").classList.remove("disabled");
    for (const b of ["go", "step", "pause"]) $(b).disabled = false;
    status(`Set up ${r.run.name}: ${r.run.townships} townships × ${r.run.cadres} cadres, ${r.run.periods} months, seed ${r.seed}. Press Go.`);
    $("world-caption").textContent = `(first ${r.run.view.townships} townships, ${r.run.view.cadres} cadres each shown)`;
    openStream(r.id);
    await setSpeed();
    redraw();
  } catch (e) {
    showError(e);
  }
}

function openStream(id) {
  const es = new EventSource(`/api/run/${id}/events`);
  state.events = es;
  es.onmessage = (msg) => {
    const ev = JSON.parse(msg.data);
    if (ev.values && ev.period > state.series.length) {
      state.series.push(ev.values);
      state.base.push(ev.base);
    }
    if (ev.grid) state.grid = ev.grid;
    if (ev.done) {
      status(`Run finished after ${ev.period} months. Export it, or change settings and press Setup.`);
      es.close();
    }
    scheduleRedraw();
  };
}

let pending = false;
function scheduleRedraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    redraw();
  });
}

async function control(cmd, extra) {
  if (!state.runId) return;
  try {
    const r = await api("POST", `/api/run/${state.runId}/control`, Object.assign({ cmd }, extra || {}));
    if (cmd === "go") status("Running…");
    if (cmd === "pause") status(`Paused at month ${r.period}.`);
    return r;
  } catch (e) {
    showError(e);
  }
}

async function setSpeed() {
  $("speed-value").textContent = $("speed").value;
  await control("speed", { speed: parseFloat($("speed").value) });
}

// ---- monitors and plots ----------------------------------------------------------------------
const MONITORS = [
  ["s", "substantive work s"], ["m", "paperwork m"], ["formalism", "formalism m/(s+m)"],
  ["share_diligent", "diligent share"], ["sanction_rate", "sanctioned"], ["blame_ratio", "blame ratio"], ["output", "output y"],
];

function value(row, name) {
  return row ? row[state.metricIndex[name]] : undefined;
}

function redraw() {
  const last = state.series[state.series.length - 1];
  const mon = $("monitors");
  let html = `<div class="monitor"><span>month</span><b id="mon-period" data-value="${state.series.length}">${state.series.length}</b></div>`;
  for (const [name, label] of MONITORS) {
    const v = value(last, name);
    html += `<div class="monitor"><span>${label}</span><b id="mon-${name}" data-value="${v === undefined ? "" : v}">${v === undefined ? "—" : fmt(v)}</b></div>`;
  }
  mon.innerHTML = html;
  const cur = (n) => state.series.map((r) => parseFloat(value(r, n)));
  const base = (n) => state.base.map((r) => parseFloat(value(r, n)));
  const n = state.runInfo ? state.runInfo.periods : 96;
  chart("plot-effort", n, [
    { label: "s", color: "#1b7837", data: cur("s") }, { label: "m", color: "#b35806", data: cur("m") },
    { label: "slack", color: "#777", data: cur("slack") }, { label: "formalism", color: "#762a83", data: cur("formalism") },
    { color: "#1b7837", data: base("s"), faint: true }, { color: "#762a83", data: base("formalism"), faint: true },
  ], { min: 0, max: 1 });
  chart("plot-shares", n, [
    { label: "avoiders", color: "#d73027", data: cur("share_avoiders") }, { label: "minimal", color: "#e6a100", data: cur("share_minimal") },
    { label: "diligent", color: "#1a9850", data: cur("share_diligent") },
    { color: "#d73027", data: base("share_avoiders"), faint: true }, { color: "#1a9850", data: base("share_diligent"), faint: true },
  ], { min: 0, max: 1 });
  chart("plot-sanctions", n, [
    { label: "diligent", color: "#1a9850", data: cur("sanction_rate_diligent") }, { label: "avoiders", color: "#d73027", data: cur("sanction_rate_avoiders") },
    { label: "all", color: "#333", data: cur("sanction_rate") },
    { color: "#1a9850", data: base("sanction_rate_diligent"), faint: true }, { color: "#d73027", data: base("sanction_rate_avoiders"), faint: true },
  ], { min: 0 });
  chart("plot-blame", n, [
    { label: "blame ratio", color: "#2c7bb6", data: cur("blame_ratio") }, { color: "#2c7bb6", data: base("blame_ratio"), faint: true },
  ], { min: 0, hline: 1 });
  chart("plot-output", n, [
    { label: "output", color: "#4575b4", data: cur("output") }, { color: "#4575b4", data: base("output"), faint: true },
  ], { min: 0 });
  drawWorld();
}

function chart(id, periods, series, opts) {
  const cv = $(id);
  const ctx = cv.getContext("2d");
  const W = cv.width, H = cv.height, L = 40, R = 8, T = 18, B = 22;
  ctx.clearRect(0, 0, W, H);
  let lo = opts.min !== undefined ? opts.min : Infinity, hi = opts.max !== undefined ? opts.max : -Infinity;
  if (opts.max === undefined) {
    for (const s of series) for (const v of s.data) if (isFinite(v)) hi = Math.max(hi, v);
    if (opts.hline !== undefined) hi = Math.max(hi, opts.hline * 1.2);
    if (!isFinite(hi) || hi <= lo) hi = lo + 1;
    hi *= 1.08;
  }
  const x = (i) => L + (W - L - R) * (i / Math.max(1, periods - 1));
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  ctx.strokeStyle = "#ccc";
  ctx.fillStyle = "#555";
  ctx.font = "11px sans-serif";
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const v = lo + (hi - lo) * k / 4;
    ctx.beginPath(); ctx.moveTo(L, y(v)); ctx.lineTo(W - R, y(v)); ctx.stroke();
    ctx.fillText(v.toFixed(hi - lo < 2 ? 2 : 1), 4, y(v) + 4);
  }
  for (let k = 0; k <= 4; k++) {
    const i = Math.round((periods - 1) * k / 4);
    ctx.fillText(String(i + 1), x(i) - 6, H - 6);
  }
  if (opts.hline !== undefined) {
    ctx.strokeStyle = "#000"; ctx.setLineDash([2, 3]);
    ctx.beginPath(); ctx.moveTo(L, y(opts.hline)); ctx.lineTo(W - R, y(opts.hline)); ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const s of [...series].sort((a, b) => (b.faint ? 1 : 0) - (a.faint ? 1 : 0))) {
    ctx.strokeStyle = s.color;
    ctx.globalAlpha = s.faint ? 0.35 : 1;
    ctx.lineWidth = s.faint ? 1.2 : 1.8;
    ctx.setLineDash(s.faint ? [4, 3] : []);
    ctx.beginPath();
    let pen = false;
    s.data.forEach((v, i) => {
      if (!isFinite(v)) { pen = false; return; }
      if (pen) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.globalAlpha = 1; ctx.setLineDash([]);
  let lx = L + 6;
  for (const s of series.filter((s) => s.label)) {
    ctx.fillStyle = s.color; ctx.fillRect(lx, 4, 10, 8);
    ctx.fillStyle = "#333"; ctx.fillText(s.label, lx + 13, 12);
    lx += ctx.measureText(s.label).width + 26;
  }
}

// ---- township view ---------------------------------------------------------------------------
const CLASS = { avoid: [215, 48, 39], minimal: [230, 161, 0], diligent: [26, 152, 80] };
let worldCells = [];

function cellColour(a) {
  const cls = a.s < 0.25 ? CLASS.avoid : a.s >= 0.5 ? CLASS.diligent : CLASS.minimal;
  const pale = Math.min(0.75, a.m * 0.9); // more paperwork: paler
  const c = cls.map((v) => Math.round(v + (235 - v) * pale));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function drawWorld() {
  const cv = $("world");
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  worldCells = [];
  if (!state.grid || !state.runInfo) {
    ctx.fillStyle = "#777"; ctx.font = "14px sans-serif";
    ctx.fillText("Press Setup to create the cadres.", 20, 40);
    return;
  }
  const acts = state.runInfo.actions;
  const towns = state.grid.length;
  const gap = 16, bw = (cv.width - gap * (towns + 1)) / towns;
  // Cells as square as the room allows; the canvas is as tall as the tallest township.
  const most = Math.max(...state.grid.map((c) => c.length));
  const cols = Math.max(1, Math.ceil(Math.sqrt(most * bw / 200)));
  const size = Math.min(bw / cols, 34);
  const height = Math.ceil(30 + Math.ceil(most / cols) * size);
  if (cv.height !== height) {
    cv.height = height;
    ctx.clearRect(0, 0, cv.width, cv.height);
  }
  state.grid.forEach((cells, t) => {
    const x0 = gap + t * (bw + gap);
    ctx.fillStyle = "#333"; ctx.font = "12px sans-serif";
    ctx.fillText(`township ${t + 1}`, x0, 14);
    cells.forEach((c, i) => {
      const a = acts[c[0]];
      const x = x0 + (i % cols) * size, y = 22 + Math.floor(i / cols) * size;
      ctx.fillStyle = cellColour(a);
      ctx.fillRect(x + 1, y + 1, size - 2, size - 2);
      const flags = c[1];
      if (flags & 1) { ctx.fillStyle = "#111"; ctx.beginPath(); ctx.moveTo(x + 1, y + 1); ctx.lineTo(x + size * 0.45, y + 1); ctx.lineTo(x + 1, y + size * 0.45); ctx.fill(); }
      if (flags & 8) { ctx.strokeStyle = "#111"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.moveTo(x + 4, y + 4); ctx.lineTo(x + size - 4, y + size - 4); ctx.moveTo(x + size - 4, y + 4); ctx.lineTo(x + 4, y + size - 4); ctx.stroke(); }
      if (flags & 2) { ctx.fillStyle = "#2166ac"; ctx.beginPath(); ctx.arc(x + size * 0.72, y + size * 0.28, size * 0.14, 0, 7); ctx.fill(); }
      if (flags & 4) { ctx.strokeStyle = "#f1c40f"; ctx.lineWidth = 3; ctx.strokeRect(x + 2, y + 2, size - 4, size - 4); }
      worldCells.push({ x, y, size, t, i, c, a });
    });
  });
}

function worldTooltip(ev) {
  const cv = $("world");
  const r = cv.getBoundingClientRect();
  const px = (ev.clientX - r.left) * cv.width / r.width, py = (ev.clientY - r.top) * cv.height / r.height;
  const hit = worldCells.find((w) => px >= w.x && px < w.x + w.size && py >= w.y && py < w.y + w.size);
  const tip = $("tooltip");
  if (!hit) { tip.hidden = true; return; }
  const c = hit.c, a = hit.a, f = c[1];
  const marks = [f & 1 ? "sanctioned" : "", f & 8 ? "vetoed" : "", f & 2 ? "exempted" : "", f & 4 ? "promoted" : ""].filter(Boolean).join(", ") || "nothing";
  tip.innerHTML = `<b>township ${hit.t + 1}, cadre ${hit.i + 1}</b><br>this month: s ${fmt(a.s, 2)}, m ${fmt(a.m, 2)}, slack ${fmt(1 - a.s - a.m, 2)}<br>` +
    `happened: ${marks}<br>findings ${c[7]}, exempted ${c[8]}, score ${fmt(c[4], 2)}, payoff ${fmt(c[3], 2)}<br>` +
    `promotions won ${c[2]}, promotion blocked for ${c[9]} months<br>ability ${fmt(c[5], 2)}, motivation ψ ${fmt(c[6], 2)}`;
  // Above and to the right of the pointer, kept inside the view (its bottom edge may be close).
  tip.hidden = false;
  const left = Math.min(ev.clientX - r.left + 14, r.width - tip.offsetWidth - 4);
  tip.style.left = Math.max(0, left) + "px";
  tip.style.top = Math.max(0, ev.clientY - r.top - tip.offsetHeight - 8) + "px";
}

// ---- things to try ---------------------------------------------------------------------------
const TRIES = [
  { id: "try-paradox1", title: "Paradox 1: no responsibility for doing nothing", preset: "status_quo_veto", set: { "regime.penalty": 6 },
    text: "A harsher veto penalty (6). Watch the share of avoiders rise and substantive work fall: staying away from hard cases keeps a cadre out of trouble (the study's finding F6)." },
  { id: "try-paradox2", title: "Paradox 2: less work, less responsibility", preset: "status_quo_veto", set: { "appraisal.w_materials": 0.8, "appraisal.w_output": 0.2 },
    text: "Appraisal leaning even more on records (materials 0.8, output 0.2). Watch formalism climb: minimal work with good paperwork is the safe choice (F4, F7)." },
  { id: "try-paradox3", title: "Paradox 3: the more you do, the more you are blamed", preset: "status_quo_veto", set: {},
    text: "The status quo itself. Watch the blame ratio stay above the line at 1: diligent cadres are sanctioned more often than avoiders. Raise the penalty and it grows (F8, F10)." },
  { id: "try-exemption", title: "Reform: due-diligence exemption", preset: "due_diligence_exemption", set: {},
    text: "Honest errors of cadres with s ≥ 0.5 are excused with probability 0.8. Watch the blame ratio drop well below 1 and the diligent share rise (the remedy of F14)." },
  { id: "try-flip", title: "Reform: exemption turns the penalty around", preset: "status_quo_veto", set: { "regime.exempt": 1, "regime.penalty": 6 },
    text: "Full exemption with a harsh penalty: now only avoiders carry the risk, so the harsh penalty pushes cadres into real work." },
  { id: "try-satisfaction", title: "Reform: appraisal on villagers' satisfaction", preset: "mass_satisfaction", set: {},
    text: "Weights 0.2 materials, 0.2 output, 0.6 satisfaction. Watch formalism fall: paperwork no longer pays (the remedy of F13)." },
  { id: "try-promotion", title: "Reform: promotion incentives alone", preset: "promotion_incentives", set: {},
    text: "Three times the promotion slots and a bonus. Notice that it does not help: it rewards the materials-weighted score, so it buys paperwork (F15 on its own is not enough)." },
  { id: "try-points", title: "Points deduction instead of the veto", preset: "points_deduction", set: {},
    text: "Each finding is deducted instead of disqualifying. Compare with the faint status quo: softening the veto alone does not undo the paradoxes." },
  { id: "try-combined", title: "Reform: all together", preset: "combined_reform", set: {},
    text: "Exemption, satisfaction-weighted appraisal and promotion incentives. Watch substantive work and output roughly double against the status quo." },
  { id: "try-inspection", title: "Overwhelmed by inspection: six levels instead of one", preset: "multi_level_inspection", set: {},
    text: "The study's many overlapping checks (national standards, unannounced provincial visits, municipal and county teams, third-party assessment, on-site checks of relocation) instead of one merged level: about five times the visits, and of the working time they take. Compare with the status quo: less substantive work, more formalism, and the diligent blamed even more (F2, F9)." },
  { id: "try-control", title: "Control: no accountability", preset: "no_accountability", set: {},
    text: "Findings carry no consequence. Sanctions vanish; compare effort and paperwork with the status quo." },
];

// What is wrong with a thing to try, if anything: an unknown preset, or an override of a slider
// the preset lacks (it would be set, greyed out and silently not sent).
function tryProblem(t) {
  const p = presetValues(t.preset);
  if (!p) return `unknown preset ${t.preset}`;
  const sliders = new Set(state.meta.sliders.map((s) => s.path));
  const bad = Object.keys(t.set).filter((k) => k !== "regime.rule" && !(sliders.has(k) && k in p.values));
  return bad.length ? `${bad.join(", ")}: no such slider in preset ${t.preset}` : null;
}

function buildTries() {
  const box = $("tries");
  window.triesProblems = [];
  for (const t of TRIES) {
    const div = document.createElement("div");
    div.className = "try";
    div.innerHTML = `<button id="${t.id}">${t.title}</button><p>${t.text}</p>`;
    box.appendChild(div);
    const problem = tryProblem(t);
    if (problem) {
      // Shown, not hidden: a broken entry is a bug to see, not a run with other settings.
      window.triesProblems.push(`${t.id}: ${problem}`);
      div.querySelector("button").disabled = true;
      div.querySelector("p").textContent = `Unavailable (${problem}).`;
      continue;
    }
    div.querySelector("button").addEventListener("click", async () => {
      applyPreset(t.preset, t.set);
      showTab("explore");
      await setup();
    });
  }
}

// ---- play a cadre ----------------------------------------------------------------------------
async function playStart() {
  try {
    const seed = parseInt($("play-seed").value, 10);
    const r = await api("POST", "/api/play", { preset: $("play-preset").value, reform: $("play-reform").value, seed: isFinite(seed) ? seed : 1 });
    state.play = r;
    state.playChoice = null;
    $("play-setup").hidden = true;
    $("play-game").hidden = false;
    $("play-month").textContent = "1";
    $("play-report").innerHTML = `<p>You join a township of ${r.play.peers} peers under <b>${r.play.name.replace(/_/g, " ")}</b>, after ${r.play.warmup} months in which they have learned what pays. Your choices will also be replayed under <b>${r.play.reform.replace(/_/g, " ")}</b>.</p>`;
    $("play-history").querySelector("tbody").innerHTML = "";
    $("play-summary").innerHTML = "";
    $("play-summary-btn").disabled = true;
    buildPlayGrid(r.play);
    status("Choose your time for the first month.");
  } catch (e) {
    showError(e);
  }
}

function buildPlayGrid(play) {
  const g = play.grid, tbl = $("play-grid");
  let html = "<tr><th>s \\ m</th>";
  for (let j = 0; j <= g; j++) html += `<th>${fmt(j / g, 2)}</th>`;
  html += "</tr>";
  for (let i = g; i >= 0; i--) {
    html += `<tr><th>${fmt(i / g, 2)}</th>`;
    for (let j = 0; j <= g; j++) {
      if (i + j <= g) html += `<td><button class="act" id="act-${i}-${j}" data-s="${i / g}" data-m="${j / g}">s ${fmt(i / g, 2)}<br>m ${fmt(j / g, 2)}</button></td>`;
      else html += "<td></td>";
    }
    html += "</tr>";
  }
  tbl.innerHTML = html;
  tbl.querySelectorAll("button.act").forEach((b) => b.addEventListener("click", () => {
    tbl.querySelectorAll("button.act").forEach((x) => x.classList.remove("chosen"));
    b.classList.add("chosen");
    state.playChoice = { s: parseFloat(b.dataset.s), m: parseFloat(b.dataset.m) };
    $("play-choice").textContent = `Chosen: substantive work ${fmt(state.playChoice.s, 2)}, paperwork ${fmt(state.playChoice.m, 2)}, slack ${fmt(1 - state.playChoice.s - state.playChoice.m, 2)}`;
    $("play-month-btn").disabled = false;
  }));
}

function yes(b) { return b ? "yes" : "no"; }

async function playMonth() {
  if (!state.play || !state.playChoice) return;
  try {
    const r = await api("POST", `/api/play/${state.play.id}/month`, state.playChoice);
    const y = r.you, p = r.peers, f = r.reform;
    const pos = y.eligible ? `${y.position} of the eligible` : "not eligible (promotion blocked)";
    const events = [];
    events.push(`${y.visits} inspection visit${y.visits === 1 ? "" : "s"}`);
    events.push(`${y.findings} finding${y.findings === 1 ? "" : "s"} held against you` + (y.exempted ? `, ${y.exempted} exempted by the due-diligence review` : ""));
    if (y.vetoed) events.push("<b>one-vote veto</b>: disqualified this round, promotion blocked");
    else if (y.sanctioned) events.push(`<b>sanctioned</b> (${fmt(y.sanction, 2)} points)`);
    if (y.promoted) events.push("<b>promoted!</b>");
    $("play-report").innerHTML = `
      <h3>Month ${r.month}: what happened</h3>
      <ul id="play-events">${events.map((e) => `<li>${e}</li>`).join("")}</ul>
      <table class="facts">
        <tr><th></th><th>you</th><th>peers (mean)</th><th>you under ${state.play.play.reform.replace(/_/g, " ")}</th></tr>
        <tr><td>substantive work s</td><td>${fmt(y.s, 2)}</td><td>${fmt(p.s, 2)}</td><td>${fmt(f.s, 2)}</td></tr>
        <tr><td>paperwork m</td><td>${fmt(y.m, 2)}</td><td>${fmt(p.m, 2)}</td><td>${fmt(f.m, 2)}</td></tr>
        <tr><td>sanctioned</td><td>${yes(y.sanctioned)}</td><td>${fmt(p.sanctioned * 100, 0)}%</td><td>${yes(f.sanctioned)}</td></tr>
        <tr><td>appraisal score</td><td>${fmt(y.score, 2)}</td><td></td><td>${fmt(f.score, 2)}</td></tr>
        <tr><td>rank for promotion</td><td>${pos}</td><td></td><td>${f.eligible ? f.position : "blocked"}</td></tr>
        <tr><td>output y</td><td>${fmt(y.output, 2)}</td><td></td><td>${fmt(f.output, 2)}</td></tr>
        <tr><td>payoff this month</td><td id="play-payoff">${fmt(y.payoff, 2)}</td><td>${fmt(p.payoff, 2)}</td><td>${fmt(f.payoff, 2)}</td></tr>
        <tr><td>total payoff so far</td><td>${fmt(r.so_far.you.payoff, 2)}</td><td>${fmt(r.so_far.peers.payoff, 2)}</td><td></td></tr>
      </table>`;
    const tr = document.createElement("tr");
    tr.innerHTML = `<td>${r.month}</td><td>${fmt(y.s, 2)}</td><td>${fmt(y.m, 2)}</td><td>${y.visits}</td><td>${y.findings}</td><td>${y.exempted}</td><td>${y.vetoed ? "veto" : yes(y.sanctioned)}</td><td>${fmt(y.score, 2)}</td><td>${y.eligible ? y.position : "—"}</td><td>${yes(y.promoted)}</td><td>${fmt(y.payoff, 2)}</td><td>${fmt(p.s, 2)}</td><td>${fmt(p.sanctioned * 100, 0)}%</td>`;
    $("play-history").querySelector("tbody").appendChild(tr);
    $("play-month").textContent = String(r.month + 1);
    $("play-summary-btn").disabled = false;
    status(`Month ${r.month} played. Choose again, or end and see the summary.`);
  } catch (e) {
    showError(e);
  }
}

async function playSummary() {
  try {
    const r = await api("GET", `/api/play/${state.play.id}/summary`);
    const reform = state.play.play.reform.replace(/_/g, " "), regime = state.play.play.name.replace(/_/g, " ");
    const row = (label, t) => `<tr><td>${label}</td><td>${fmt(t.s, 2)}</td><td>${fmt(t.m, 2)}</td><td>${fmt(t.sanctions, 1)}</td><td>${fmt(t.promotions, 2)}</td><td>${fmt(t.output, 2)}</td><td>${fmt(t.payoff, 2)}</td></tr>`;
    let verdict;
    if (r.you.s > r.peers.s + 0.1) verdict = "You worked harder than the cadres around you, who learned to hold back.";
    else if (r.you.s < r.peers.s - 0.1) verdict = "You did less substantive work than your peers.";
    else verdict = "You worked about as much as your peers.";
    if (r.you.sanctions > r.peers.sanctions + 0.5) verdict += " And you were sanctioned more often: doing more means more that can go wrong.";
    if (r.you_under_reform.payoff > r.you.payoff) verdict += ` The same choices would have paid more under ${reform}.`;
    else verdict += ` The same choices would not have paid more under ${reform}.`;
    $("play-summary").innerHTML = `
      <h3>Summary after ${r.months} months</h3>
      <p id="play-verdict">${verdict}</p>
      <table class="facts" id="play-summary-table">
        <tr><th></th><th>mean s</th><th>mean m</th><th>sanctions</th><th>promotions</th><th>total output</th><th>total payoff</th></tr>
        ${row(`you, ${regime}`, r.you)}
        ${row(`your peers (per cadre), ${regime}`, r.peers)}
        ${row(`your choices under ${reform}`, r.you_under_reform)}
        ${row(`peers under ${reform} (per cadre)`, r.peers_under_reform)}
      </table>`;
  } catch (e) {
    showError(e);
  }
}

// ---- tabs and start ---------------------------------------------------------------------------
function showTab(name) {
  document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.dataset.tab === name));
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === name));
}

async function start() {
  document.querySelectorAll(".tab").forEach((t) => t.addEventListener("click", () => showTab(t.dataset.tab)));
  try {
    state.meta = await api("GET", "/api/meta");
  } catch (e) {
    showError(e);
    return;
  }
  state.meta.metrics.forEach((m, i) => { state.metricIndex[m.name] = i; });
  buildControls();
  buildTries();
  $("setup").addEventListener("click", setup);
  $("go").addEventListener("click", () => control("go"));
  $("step").addEventListener("click", () => control("step"));
  $("pause").addEventListener("click", () => control("pause"));
  $("speed").addEventListener("change", setSpeed);
  $("speed").addEventListener("input", () => { $("speed-value").textContent = $("speed").value; });
  $("world").addEventListener("mousemove", worldTooltip);
  $("world").addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  $("play-start").addEventListener("click", playStart);
  $("play-month-btn").addEventListener("click", playMonth);
  $("play-summary-btn").addEventListener("click", playSummary);
  redraw();
  status("Pick a preset or a “thing to try” in Info, then press Setup. The server listens on this computer only.");
}

start();
