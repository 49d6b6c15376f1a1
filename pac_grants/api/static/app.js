// The finance page of pac-grants (issues 7 and 12). No framework, no network beyond this
// service: the token is asked once, kept in sessionStorage, and sent to /api/v1. Labels
// and money come from i18n.js (French or Arabic); sums and sorts use BigInt centimes,
// only the chart's bar lengths use Number. The filters and the order of the table are
// those of pac_grants/api/table.py, so that a download is the table on screen.
"use strict";

const API = "/api/v1";
const KEY = "pacToken";
const $ = (id) => document.getElementById(id);
const state = { rows: [], sortKey: "amount", sortDesc: true, cycle: null, summary: [], code: null };
const t = I18N.t;

function token() { return sessionStorage.getItem(KEY); }

async function api(path) {
  const response = await fetch(API + path, { headers: { Authorization: "Bearer " + token() } });
  if (response.status === 401) { signOut(t("login.refused")); throw new Error("401"); }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.detail || response.status + " " + response.statusText);
  }
  return response;
}
async function json(path) { return (await api(path)).json(); }

function moneyCell(value) { return el("td", { class: "num", "data-amount": value }, I18N.money(value)); }
function showError(message) { $("status").textContent = message || ""; }
function nameOf(r) { return I18N.lang === "ar" ? r.name_ar || r.name_fr : r.name_fr || r.name_ar; }

// -- sign in / out -----------------------------------------------------------------
function signOut(message) {
  sessionStorage.removeItem(KEY);
  $("app").hidden = true; $("signout").hidden = true; $("print").hidden = true;
  $("login").hidden = false;
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
  $("login").hidden = true; $("app").hidden = false; $("signout").hidden = false; $("print").hidden = false;
  state.summary = summary.cycles;
  fillCycles();
  if (summary.cycles.length) {
    $("cycle").value = summary.cycles[summary.cycles.length - 1].cycle;
    await loadCycle();
  } else showError(t("empty.ledger"));
}
function fillCycles() {
  const chosen = $("cycle").value;
  $("cycle").replaceChildren(...state.summary.map((c) => el("option", { value: c.cycle },
    c.cycle + " (" + t("status." + c.status) + ")")));
  if (chosen) $("cycle").value = chosen;
}

// -- the allocation table ------------------------------------------------------------
async function loadCycle() {
  state.cycle = Number($("cycle").value);
  delete $("allocation").dataset.cycle;
  $("detail").hidden = true;
  showError("");
  let data;
  try { data = await json("/cycles/" + state.cycle + "/allocation"); } catch (e) {
    state.rows = []; render(); showError(e.message); return;
  }
  state.rows = data.windows.flatMap((w) => w.communes.map((r) => ({ ...r, window: w.window })));
  state.windows = data.windows.map((w) => w.window);
  fillWindows();
  render();
  await loadReport();
  $("allocation").dataset.cycle = String(state.cycle);  // loaded (tests wait for it)
}
function fillWindows() {
  const chosen = $("window").value;
  $("window").replaceChildren(el("option", { value: "" }, t("filter.all")),
    ...(state.windows || []).map((w) => el("option", { value: w }, w)));
  $("window").value = (state.windows || []).includes(chosen) ? chosen : "";
}
function summaryLine() {
  const c = state.summary.find((s) => s.cycle === state.cycle);
  if (!c) return "";
  return c.windows.map((w) => w.window + " : " + t("col.pool") + " " + I18N.money(w.pool, true) +
    ", " + t("col.allocated") + " " + I18N.money(w.allocated, true) + ", " + t("col.unallocated") + " " +
    I18N.money(w.unallocated, true) + ", " + t("col.paid") + " " + I18N.money(w.paid, true) + ", " +
    t("col.eligible") + " " + I18N.number(w.eligible)).join(" · ") + " (" + t("status." + c.status) + ")";
}

function visible() {
  const q = I18N.fold($("filter").value.trim());
  const win = $("window").value, elig = $("eligibility").value;
  return state.rows.filter((r) =>
    (!win || r.window === win) &&
    (!elig || (elig === "yes") === r.eligible) &&
    (!q || [r.code, r.name_fr, r.name_ar, r.region].some((v) => I18N.fold(v).includes(q))));
}

const MONEY_KEYS = new Set(["amount", "ledger_allocated", "paid", "outstanding"]);
function sortKey(r, k) {
  if (MONEY_KEYS.has(k)) return I18N.cents(r[k]);
  if (k === "score") return r.score ?? -1;
  if (k === "reasons") return r.reasons.join(" ");
  if (k === "capped") return r.capped ? 1 : 0;
  return I18N.fold(r[k]);
}
function compare(a, b) {
  const x = sortKey(a, state.sortKey), y = sortKey(b, state.sortKey);
  const order = x < y ? -1 : x > y ? 1 : 0;
  return (state.sortDesc ? -order : order) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

function render() {
  $("cycle-summary").textContent = summaryLine();
  const rows = visible().sort(compare);
  $("allocation").querySelector("tbody").replaceChildren(...rows.map(rowOf));
  for (const th of document.querySelectorAll("#allocation th")) {
    th.classList.toggle("sorted", th.dataset.key === state.sortKey);
    th.classList.toggle("desc", th.dataset.key === state.sortKey && state.sortDesc);
  }
  const total = (k) => rows.reduce((s, r) => s + I18N.cents(r[k]), 0n);
  $("total-label").textContent = t("total.communes", { shown: rows.length, total: state.rows.length });
  $("total-amount").textContent = I18N.money(total("amount"));
  $("total-ledger").textContent = I18N.money(total("ledger_allocated"));
  $("total-paid").textContent = I18N.money(total("paid"));
  $("total-outstanding").textContent = I18N.money(total("outstanding"));
  drawChart(rows);
}

function standing(r) {
  if (r.eligible) return t("eligible");
  return I18N.reasons(r.reasons) + (r.failed_conditions.length ? " (" + r.failed_conditions.join(", ") + ")" : "");
}
function rowOf(r) {
  const link = el("a", { href: "#", class: "commune", "data-code": r.code }, r.code);
  return el("tr", { "data-code": r.code, class: r.eligible ? "" : "ineligible" },
    el("td", {}, link), el("td", { class: "name" }, name(r.name_fr)),
    el("td", { lang: "ar", class: "name" }, name(r.name_ar, "rtl")),
    el("td", { class: "name" }, name(r.region)), el("td", {}, r.window),
    el("td", { class: "num" }, r.score ?? "–"), el("td", { class: "standing" }, standing(r)),
    el("td", { class: "cap" }, r.capped ? t("capped") : ""),
    moneyCell(r.amount), moneyCell(r.ledger_allocated), moneyCell(r.paid), moneyCell(r.outstanding));
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
    for (const r of rows) sums.set(r.region || "?", (sums.get(r.region || "?") || 0n) + I18N.cents(r.amount));
    bars = [...sums].map(([label, c]) => ({ label, c }));
  } else {
    bars = rows.filter((r) => I18N.cents(r.amount) > 0n).map((r) => ({ label: nameOf(r) || r.code, c: I18N.cents(r.amount) }));
  }
  bars.sort((a, b) => (b.c > a.c ? 1 : b.c < a.c ? -1 : 0));
  bars = bars.slice(0, 15);
  const max = bars.reduce((m, b) => (b.c > m ? b.c : m), 1n);
  const row = 17, left = 190, width = 520;
  const chart = svg("svg", { width: left + width + 150, height: bars.length * row + 10,
    role: "img", "aria-label": t("chart.title"), direction: "ltr" });
  bars.forEach((b, i) => {
    const y = 5 + i * row;
    const w = Math.max(1, Math.round(width * Number((b.c * 10000n) / max) / 10000));
    chart.append(svg("text", { x: left - 6, y: y + 12, "text-anchor": "end", class: "label" }, b.label),
      svg("rect", { x: left, y, width: w, height: row - 4, class: "bar" }),
      svg("text", { x: left + w + 6, y: y + 12, class: "value" }, I18N.money(b.c)));
  });
  $("chart").replaceChildren(chart);
}

// -- reports: totals by region and province --------------------------------------------
async function loadReport() {
  try { state.report = await json("/cycles/" + state.cycle + "/regions"); } catch (e) {
    state.report = null; showError(e.message);
  }
  renderReport();
}
function reportTable(lines, first) {
  const keys = ["communes", "population", "allocated", "per_capita", "previous", "change"];
  const head = el("tr", {}, ...first.map((k) => el("th", {}, t("col." + k))),
    ...keys.map((k) => el("th", { class: "num" }, t("col." + k))));
  const money = (v) => (v === null ? el("td", { class: "num" }, "–") : moneyCell(v));
  const body = lines.map((l) => el("tr", {}, ...first.map((k) => el("td", { class: "name" }, name(l[k]))),
    el("td", { class: "num" }, I18N.number(l.communes)), el("td", { class: "num" }, I18N.number(l.population)),
    moneyCell(l.allocated), money(l.per_capita), money(l.previous), money(l.change)));
  return [el("thead", {}, head), el("tbody", {}, ...body)];
}
function renderReport() {
  const r = state.report;
  $("regions").replaceChildren(...(r ? reportTable(r.regions, ["region"]) : []));
  $("provinces").replaceChildren(...(r ? reportTable(r.provinces, ["region", "province"]) : []));
}

// -- statement, explanation, history ------------------------------------------------------
async function openCommune(code) {
  state.code = code;
  $("detail").hidden = false;
  $("detail-title").textContent = code;
  $("detail-summary").textContent = t("loading");
  for (const id of ["explanation", "statement", "history"]) $(id).replaceChildren();
  const path = "/communes/" + encodeURIComponent(code);
  const [explanation, statement, history] = await Promise.allSettled([
    json("/cycles/" + state.cycle + path + "/explanation"), json(path + "/statement?cycle=" + state.cycle),
    json(path + "/history")]);
  state.detail = { explanation, statement, history };
  renderDetail();
}
function renderDetail() {
  const d = state.detail;
  if (!d || $("detail").hidden) return;
  if (d.explanation.status === "fulfilled") showExplanation(d.explanation.value);
  else $("detail-summary").textContent = d.explanation.reason.message;
  if (d.statement.status === "fulfilled") showStatement(d.statement.value);
  else $("statement").replaceChildren(el("p", {}, d.statement.reason.message));
  if (d.history.status === "fulfilled") showHistory(d.history.value);
}
function roundedCents(decimalText) {  // "1234.567891" -> 123457n, half to even
  const [whole, frac = ""] = String(decimalText).split(".");
  const digits = (frac + "000").slice(0, 3);
  let c = BigInt(whole.replace("-", "") + digits.slice(0, 2));
  const rest = frac.slice(2).replace(/0+$/, "");
  if (rest > "5" || (rest.startsWith("5") && (rest.length > 1 || c % 2n === 1n))) c += 1n;
  return whole.startsWith("-") ? -c : c;
}
function sentence(x) {
  const f = x.formula, amount = I18N.money(x.amount, true);
  if (!x.eligible) {
    const failed = x.failed_conditions.length ? t("summary.failed", { ids: x.failed_conditions.join(", ") }) : "";
    return t("summary.not_eligible", { reasons: I18N.reasons(x.reasons), failed, amount });
  }
  const ideal = I18N.money(roundedCents(f.ideal_amount), true);
  if (f.capped) return t("summary.capped", { score: x.score, ideal, round: f.cap_round, amount });
  return t("summary.share", { score: x.score, ideal, amount, bump: f.rounded_up ? t("summary.bump") : "" });
}
function showExplanation(x) {
  $("detail-title").replaceChildren(name(I18N.lang === "ar" ? x.commune.name_ar : x.commune.name_fr),
    " (" + x.commune.code + ")");
  $("detail-summary").textContent = sentence(x);
  const f = x.formula, yes = (v) => t(v ? "yes" : "no");
  const facts = [["fact.window", x.window], ["fact.ruleset", x.ruleset.id + " v" + x.ruleset.version],
    ["fact.ruleset_digest", x.ruleset.digest], ["fact.inputs_digest", x.inputs_digest],
    ["fact.assessment", x.assessment ? x.assessment.assessment_id + " " + t("fact.revision") + " " +
      x.assessment.revision : t("fact.none")],
    [t("fact.population", { census: x.population.census }), I18N.number(x.population.value)],
    [t("fact.score", { min: x.min_score }), x.score ?? "–"],
    ["fact.eligible", x.eligible ? t("yes") : t("no") + " : " + I18N.reasons(x.reasons)],
    ["fact.weight", I18N.number(f.weight) + " " + t("fact.of") + " " + I18N.number(f.total_weight)],
    ["fact.pool", I18N.money(f.pool, true)], ["fact.ideal", I18N.money(roundedCents(f.ideal_amount), true)],
    ["fact.cap", f.cap === null ? t("fact.none") : I18N.money(f.cap, true)],
    ["fact.capped", f.capped ? t("yes") + " (" + t("fact.round") + " " + f.cap_round + ")" : t("no")],
    ["fact.rounded_up", yes(f.rounded_up)], ["fact.amount", I18N.money(x.amount, true)]];
  const table = el("table", { class: "facts" }, ...facts.map(([k, v]) =>
    el("tr", {}, el("th", {}, k.startsWith("fact.") ? t(k) : k), el("td", {}, v))));
  const verdict = (v) => t(v === true ? "condition.met" : v === false ? "condition.not_met" : "condition.unknown");
  const checks = el("table", { class: "facts checks" },
    ...x.conditions.map((c) => el("tr", { class: c.value === false ? "failed" : "" }, el("th", {}, c.id),
      el("td", {}, I18N.ruleLabel(c)), el("td", {}, verdict(c.value)))),
    ...x.indicators.map((i) => el("tr", {}, el("th", {}, i.id),
      el("td", {}, I18N.ruleLabel(i) + " = " + i.value), el("td", { class: "num" }, i.points + "/" + i.max_points))));
  $("explanation").replaceChildren(table, checks);
}
function showStatement(s) {
  const keys = ["sequence", "date", "kind", "reason", "allocated", "paid", "outstanding",
    "balance_allocated", "balance_paid", "balance_outstanding"];
  const head = el("tr", {}, ...keys.map((k) => el("th", {}, t("col." + k))));
  const rows = s.entries.map((e) => el("tr", {}, el("td", {}, e.sequence), el("td", {}, e.effective_date),
    el("td", {}, t("kind." + e.kind)), el("td", {}, e.reason), moneyCell(e.allocated), moneyCell(e.paid),
    moneyCell(e.outstanding), moneyCell(e.balance.allocated), moneyCell(e.balance.paid),
    moneyCell(e.balance.outstanding)));
  $("statement").replaceChildren(el("table", { class: "statement" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}
function showHistory(h) {
  const keys = ["cycle", "allocated", "paid", "outstanding", "per_capita", "change"];
  const head = el("tr", {}, ...keys.map((k) => el("th", {}, t("col." + k))));
  const cell = (v) => (v === null ? el("td", { class: "num" }, "–") : moneyCell(v));
  const rows = h.cycles.map((c) => el("tr", {}, el("td", {}, c.cycle), moneyCell(c.allocated), moneyCell(c.paid),
    moneyCell(c.outstanding), cell(c.per_capita), cell(c.change)));
  $("history").replaceChildren(el("table", { class: "statement" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}

// -- downloads -----------------------------------------------------------------------
function viewQuery(extra) {
  const q = new URLSearchParams({ lang: I18N.lang, sort: state.sortKey, order: state.sortDesc ? "desc" : "asc" });
  if ($("window").value) q.set("window", $("window").value);
  if ($("eligibility").value) q.set("eligibility", $("eligibility").value);
  if ($("filter").value.trim()) q.set("q", $("filter").value.trim());
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return "?" + q.toString();
}
async function download(path, filename) {
  try {
    const blob = await (await api(path)).blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { if (e.message !== "401") showError(e.message); }
}
const table = () => "/cycles/" + state.cycle + "/allocation";
const statement = () => "/communes/" + encodeURIComponent(state.code) + "/statement";

// -- wiring ------------------------------------------------------------------------
$("login-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut(""));
$("print").addEventListener("click", () => window.print());
$("lang-switch").addEventListener("click", () => I18N.setLang(I18N.other()));
I18N.onChange(() => { fillCycles(); fillWindows(); render(); renderReport(); renderDetail(); });
$("cycle").addEventListener("change", loadCycle);
for (const id of ["window", "eligibility", "chart-by"]) $(id).addEventListener("change", render);
$("filter").addEventListener("input", render);
$("download").addEventListener("click", () => download("/cycles/" + state.cycle + "/export.csv", "pac-ledger-" + state.cycle + ".csv"));
$("download-xlsx").addEventListener("click", () => download(table() + ".xlsx" + viewQuery(), "pac-allocation-" + state.cycle + ".xlsx"));
$("download-csv").addEventListener("click", () => download(table() + ".csv" + viewQuery({ delimiter: "semicolon" }), "pac-allocation-" + state.cycle + ".csv"));
$("statement-xlsx").addEventListener("click", () => download(statement() + ".xlsx?lang=" + I18N.lang, "pac-statement-" + state.code + ".xlsx"));
$("statement-csv").addEventListener("click", () => download(statement() + ".csv?delimiter=semicolon&lang=" + I18N.lang, "pac-statement-" + state.code + ".csv"));
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
