// The finance page of pac-grants (issues 7 and 12): sign in, the cycle, and the
// allocation view. No framework, no network beyond this service: the token is asked
// once, kept in sessionStorage, and sent to /api/v1 (page.js). Labels and money come
// from i18n.js (French or Arabic); sums and sorts use BigInt centimes, only the
// chart's bar lengths use Number. The filters and the order of the table are those of
// pac_grants/api/table.py, so that a download is the table on screen. The other views
// are lifecycle.js, treasury.js and simulation.js.
"use strict";

const state = { rows: [], sortKey: "amount", sortDesc: true, cycle: null, summary: [], code: null };

// -- sign in / out -----------------------------------------------------------------
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
    await Promise.all([loadCycle(), Views.show(location.hash.slice(1) || "allocation")]);
  } else showError(t("empty.ledger"));
}
function fillCycles() {
  const chosen = $("cycle").value;
  $("cycle").replaceChildren(...state.summary.map((c) => el("option", { value: c.cycle },
    c.cycle + " (" + t("status." + c.state) + ")")));
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
  state.byCode = new Map(state.rows.map((r) => [r.code, r]));
  fillWindows();
  render();
  Views.rerender();  // the other views name communes with these rows
  await loadReport();
  $("allocation").dataset.cycle = String(state.cycle);  // loaded (tests wait for it)
}
function communeName(code) {
  const r = state.byCode && state.byCode.get(code);
  return r ? nameOf(r) : "";
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
    t("col.eligible") + " " + I18N.number(w.eligible)).join(" · ") + " (" + t("status." + c.state) + ")";
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

// -- the bar chart (chart.js) ----------------------------------------------------------
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
  $("chart").replaceChildren(barChart(bars.slice(0, 15), t("chart.title")));
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

// -- downloads -----------------------------------------------------------------------
function viewQuery(extra) {
  const q = new URLSearchParams({ lang: I18N.lang, sort: state.sortKey, order: state.sortDesc ? "desc" : "asc" });
  if ($("window").value) q.set("window", $("window").value);
  if ($("eligibility").value) q.set("eligibility", $("eligibility").value);
  if ($("filter").value.trim()) q.set("q", $("filter").value.trim());
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return "?" + q.toString();
}
const table = () => "/cycles/" + state.cycle + "/allocation";
const statement = () => "/communes/" + encodeURIComponent(state.code) + "/statement";

// -- wiring ------------------------------------------------------------------------
$("login-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut(""));
$("print").addEventListener("click", () => window.print());
$("lang-switch").addEventListener("click", () => I18N.setLang(I18N.other()));
I18N.onChange(() => { fillCycles(); fillWindows(); render(); renderReport(); renderDetail(); Views.rerender(); });
$("cycle").addEventListener("change", () => { loadCycle(); Views.cycleChanged(); });
window.addEventListener("hashchange", () => Views.show(location.hash.slice(1) || "allocation"));
$("tabs").addEventListener("click", (event) => {
  const tab = event.target.closest("[role=tab]");
  if (tab) Views.show(tab.dataset.tab);
});
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
