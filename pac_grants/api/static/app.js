// The finance page of pac-grants (issue 7). No framework, no network beyond this
// service: the token is asked once, kept in sessionStorage, and sent to /api/v1.
// Money arrives as decimal strings ("4500000.00") and is never turned into a float:
// sums and sorts use BigInt centimes; only the chart's bar lengths use Number.
"use strict";

const API = "/api/v1";
const KEY = "pacToken";
const $ = (id) => document.getElementById(id);
const state = { rows: [], sortKey: "amount", sortDesc: true, cycle: null };

function token() { return sessionStorage.getItem(KEY); }

async function api(path) {
  const response = await fetch(API + path, { headers: { Authorization: "Bearer " + token() } });
  if (response.status === 401) { signOut("The token was refused."); throw new Error("401"); }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || response.status + " " + response.statusText);
  }
  return response;
}
async function json(path) { return (await api(path)).json(); }

// -- money --------------------------------------------------------------------------
function cents(text) { return BigInt(String(text).replace(".", "")); }
function money(value) {
  const c = typeof value === "bigint" ? value : cents(value);
  const sign = c < 0n ? "-" : "";
  const abs = c < 0n ? -c : c;
  const whole = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return sign + whole + "." + (abs % 100n).toString().padStart(2, "0");
}

// -- small DOM helpers ---------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}
// A name from the events, isolated (issue 12): a right-to-left override inside it can
// never reorder the codes and amounts around it.
function name(text, dir) { return el("bdi", dir ? { dir } : {}, text ?? ""); }
function moneyCell(value) { return el("td", { class: "num", "data-amount": value }, money(value)); }
function showError(message) { $("status").textContent = message || ""; }

// -- sign in / out -----------------------------------------------------------------
function signOut(message) {
  sessionStorage.removeItem(KEY);
  $("app").hidden = true; $("signout").hidden = true; $("login").hidden = false;
  $("login-error").textContent = message || "";
}
async function signIn(event) {
  event.preventDefault();
  sessionStorage.setItem(KEY, $("token").value);
  $("token").value = "";
  await start();
}
async function start() {
  let summary;
  try { summary = await json("/cycles"); } catch (e) {
    if (e.message !== "401") $("login-error").textContent = e.message;
    return;
  }
  $("login").hidden = true; $("app").hidden = false; $("signout").hidden = false;
  const select = $("cycle");
  select.replaceChildren(...summary.cycles.map((c) => el("option", { value: c.cycle },
    c.cycle + " (" + c.status + ")")));
  state.summary = summary.cycles;
  if (summary.cycles.length) {
    select.value = summary.cycles[summary.cycles.length - 1].cycle;
    await loadCycle();
  } else showError("The ledger holds no cycle yet.");
}

// -- the allocation table ------------------------------------------------------------
async function loadCycle() {
  state.cycle = Number($("cycle").value);
  delete $("allocation").dataset.cycle;
  $("detail").hidden = true;
  showError("");
  const c = state.summary.find((s) => s.cycle === state.cycle);
  $("cycle-summary").textContent = c.windows.map((w) => w.window + ": pool " + money(w.pool) +
    ", allocated " + money(w.allocated) + ", unallocated " + money(w.unallocated) + ", paid " +
    money(w.paid) + ", eligible " + (w.eligible ?? "–")).join(" · ") + " (" + c.status + ")";
  let data;
  try { data = await json("/cycles/" + state.cycle + "/allocation"); } catch (e) {
    state.rows = []; render(); showError(e.message); return;
  }
  state.rows = data.windows.flatMap((w) => w.communes.map((r) => ({ ...r, window: w.window })));
  const windows = data.windows.map((w) => w.window);
  $("window").replaceChildren(el("option", { value: "" }, "all"),
    ...windows.map((w) => el("option", { value: w }, w)));
  render();
  $("allocation").dataset.cycle = String(state.cycle);  // loaded (tests wait for it)
}

function visible() {
  const q = $("filter").value.trim().toLowerCase();
  const win = $("window").value, elig = $("eligibility").value;
  return state.rows.filter((r) =>
    (!win || r.window === win) &&
    (!elig || (elig === "yes") === r.eligible) &&
    (!q || [r.code, r.name_fr, r.name_ar, r.region].some((v) => (v || "").toLowerCase().includes(q))));
}

const MONEY_KEYS = new Set(["amount", "ledger_allocated", "paid", "outstanding"]);
function compare(a, b) {
  const k = state.sortKey;
  let x = a[k], y = b[k];
  if (MONEY_KEYS.has(k)) { x = cents(x); y = cents(y); }
  else if (k === "reasons") { x = x.join(" "); y = y.join(" "); }
  else if (k === "score") { x = x ?? -1; y = y ?? -1; }
  else if (typeof x === "string" || typeof y === "string") {
    const order = String(x ?? "").localeCompare(String(y ?? ""), "fr");
    return state.sortDesc ? -order : order;
  }
  const order = x < y ? -1 : x > y ? 1 : 0;
  return (state.sortDesc ? -order : order) || a.code.localeCompare(b.code);
}

function render() {
  const rows = visible().sort(compare);
  $("allocation").querySelector("tbody").replaceChildren(...rows.map(rowOf));
  for (const th of document.querySelectorAll("#allocation th")) {
    th.classList.toggle("sorted", th.dataset.key === state.sortKey);
    th.classList.toggle("desc", th.dataset.key === state.sortKey && state.sortDesc);
  }
  const total = (k) => rows.reduce((s, r) => s + cents(r[k]), 0n);
  $("total-label").textContent = rows.length + " of " + state.rows.length + " communes";
  $("total-amount").textContent = money(total("amount"));
  $("total-ledger").textContent = money(total("ledger_allocated"));
  $("total-paid").textContent = money(total("paid"));
  $("total-outstanding").textContent = money(total("outstanding"));
  drawChart(rows);
}

function rowOf(r) {
  const link = el("a", { href: "#", class: "commune", "data-code": r.code }, r.code);
  const notes = r.eligible ? "eligible" : r.reasons.join(", ") +
    (r.failed_conditions.length ? " (" + r.failed_conditions.join(", ") + ")" : "");
  return el("tr", { "data-code": r.code, class: r.eligible ? "" : "ineligible" },
    el("td", {}, link), el("td", {}, name(r.name_fr)), el("td", { lang: "ar" }, name(r.name_ar, "rtl")),
    el("td", {}, name(r.region)), el("td", {}, r.window), el("td", { class: "num" }, r.score ?? "–"),
    el("td", {}, notes), el("td", { class: "cap" }, r.capped ? "capped" : ""),
    moneyCell(r.amount), moneyCell(r.ledger_allocated), moneyCell(r.paid),
    moneyCell(r.outstanding));
}

// -- the bar chart (inline SVG) ----------------------------------------------------
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function drawChart(rows) {
  let bars;
  if ($("chart-by").value === "region") {
    const sums = new Map();
    for (const r of rows) sums.set(r.region || "?", (sums.get(r.region || "?") || 0n) + cents(r.amount));
    bars = [...sums].map(([label, c]) => ({ label, c }));
  } else {
    bars = rows.filter((r) => cents(r.amount) > 0n).map((r) => ({ label: r.name_fr || r.code, c: cents(r.amount) }));
  }
  bars.sort((a, b) => (b.c > a.c ? 1 : b.c < a.c ? -1 : 0));
  bars = bars.slice(0, 15);
  const max = bars.reduce((m, b) => (b.c > m ? b.c : m), 1n);
  const row = 17, left = 170, width = 560;
  const chart = svg("svg", { width: left + width + 100, height: bars.length * row + 10,
    role: "img", "aria-label": "allocation bar chart" });
  bars.forEach((b, i) => {
    const y = 5 + i * row;
    const w = Math.max(1, Math.round(width * Number((b.c * 10000n) / max) / 10000));
    chart.append(svg("text", { x: left - 6, y: y + 12, "text-anchor": "end", class: "label" }, b.label),
      svg("rect", { x: left, y, width: w, height: row - 4, class: "bar" }),
      svg("text", { x: left + w + 6, y: y + 12, class: "value" }, money(b.c)));
  });
  $("chart").replaceChildren(chart);
}

// -- statement and explanation ------------------------------------------------------
async function openCommune(code) {
  const detail = $("detail");
  detail.hidden = false;
  $("detail-title").textContent = code;
  $("detail-summary").textContent = "Loading…";
  $("explanation").replaceChildren(); $("statement").replaceChildren();
  const [explanation, statement] = await Promise.allSettled([
    json("/cycles/" + state.cycle + "/communes/" + encodeURIComponent(code) + "/explanation"),
    json("/communes/" + encodeURIComponent(code) + "/statement?cycle=" + state.cycle)]);
  if (explanation.status === "fulfilled") showExplanation(explanation.value);
  else $("detail-summary").textContent = explanation.reason.message;
  if (statement.status === "fulfilled") showStatement(statement.value);
  else $("statement").replaceChildren(el("p", {}, statement.reason.message));
}

function showExplanation(x) {
  $("detail-title").replaceChildren(name(x.commune.name_fr), " (" + x.commune.code + ") ",
    el("span", { lang: "ar" }, name(x.commune.name_ar, "rtl")));
  $("detail-summary").textContent = x.summary;
  const f = x.formula;
  const facts = [["window", x.window], ["ruleset", x.ruleset.id + " v" + x.ruleset.version],
    ["ruleset digest", x.ruleset.digest], ["inputs digest", x.inputs_digest],
    ["assessment", x.assessment ? x.assessment.assessment_id + " rev " + x.assessment.revision +
      " (event " + x.assessment.event_id + ")" : "none"],
    ["population (" + x.population.census + ")", String(x.population.value).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f")],
    ["score", (x.score ?? "–") + " (min " + x.min_score + ")"],
    ["eligible", x.eligible ? "yes" : "no " + x.reasons.join(", ")],
    ["weight", f.weight + " of " + f.total_weight], ["pool", money(f.pool)],
    ["ideal amount", f.ideal_amount], ["cap", f.cap === null ? "none" : money(f.cap)],
    ["capped", f.capped ? "yes (round " + f.cap_round + ")" : "no"],
    ["rounded up", f.rounded_up ? "yes" : "no"], ["amount", money(x.amount)]];
  const table = el("table", { class: "facts" }, ...facts.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v))));
  const checks = el("table", { class: "facts" },
    ...x.conditions.map((c) => el("tr", {}, el("th", {}, c.id), el("td", {}, c.label_fr), el("td", {}, String(c.value)))),
    ...x.indicators.map((i) => el("tr", {}, el("th", {}, i.id), el("td", {}, i.label_fr + " = " + i.value),
      el("td", { class: "num" }, i.points + "/" + i.max_points))));
  $("explanation").replaceChildren(table, checks);
}

function showStatement(s) {
  const head = el("tr", {}, ...["#", "date", "kind", "reason", "allocated", "paid", "outstanding",
    "balance allocated", "balance paid", "balance outstanding"].map((h) => el("th", {}, h)));
  const rows = s.entries.map((e) => el("tr", {}, el("td", {}, e.sequence), el("td", {}, e.effective_date),
    el("td", {}, e.kind), el("td", {}, e.reason), moneyCell(e.allocated), moneyCell(e.paid),
    moneyCell(e.outstanding), moneyCell(e.balance.allocated), moneyCell(e.balance.paid),
    moneyCell(e.balance.outstanding)));
  $("statement").replaceChildren(el("table", { class: "statement" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

// -- CSV download ------------------------------------------------------------------
async function download() {
  try {
    const blob = await (await api("/cycles/" + state.cycle + "/export.csv")).blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: "pac-ledger-" + state.cycle + ".csv" });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { if (e.message !== "401") showError(e.message); }
}

// -- wiring ------------------------------------------------------------------------
$("login-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut(""));
$("cycle").addEventListener("change", loadCycle);
for (const id of ["window", "eligibility", "chart-by"]) $(id).addEventListener("change", render);
$("filter").addEventListener("input", render);
$("download").addEventListener("click", download);
$("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
$("allocation").querySelector("thead").addEventListener("click", (event) => {
  const key = event.target.closest("th")?.dataset.key;
  if (!key) return;
  state.sortDesc = key === state.sortKey ? !state.sortDesc : MONEY_KEYS.has(key) || key === "score";
  state.sortKey = key;
  render();
});
$("allocation").querySelector("tbody").addEventListener("click", (event) => {
  const link = event.target.closest("a.commune");
  if (!link) return;
  event.preventDefault();
  openCommune(link.dataset.code);
});
if (token()) start();
