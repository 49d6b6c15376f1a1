// What every view of the finance page shares (issues 7, 10, 11, 12, 13): the token and
// the calls to /api/v1, downloads, cells, the status line, and the tabs. A view (the
// allocation in app.js; lifecycle.js, treasury.js, simulation.js) registers with
// Views; it is asked for its data when its tab is shown for a cycle it has not loaded,
// and redrawn from the data it holds when the language changes (no request).
"use strict";

const API = "/api/v1";
const KEY = "pacToken";
const $ = (id) => document.getElementById(id);
const t = I18N.t;

function token() { return sessionStorage.getItem(KEY); }

async function api(path) {
  const response = await fetch(API + path, { headers: { Authorization: "Bearer " + token() } });
  if (response.status === 401) { signOut(t("login.refused")); throw new Error("401"); }
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    throw new Error(detail || response.status + " " + response.statusText);
  }
  return response;
}
async function json(path) { return (await api(path)).json(); }

async function download(path, filename) {
  try {
    const blob = await (await api(path)).blob();
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { if (e.message !== "401") showError(e.message); }
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  $("app").hidden = true; $("signout").hidden = true; $("print").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

function showError(message) { $("status").textContent = message || ""; }
function nameOf(r) { return I18N.lang === "ar" ? r.name_ar || r.name_fr : r.name_fr || r.name_ar; }
function moneyCell(value) { return el("td", { class: "num", "data-amount": value }, I18N.money(value)); }
function numberCell(value) { return el("td", { class: "num", "data-value": value ?? "" }, I18N.number(value)); }
// A date is written YYYY-MM-DD in both languages, kept left to right inside Arabic text.
function dateCell(value) { return el("td", { class: "date" }, el("bdi", { dir: "ltr" }, value ?? "–")); }
function headRow(keys, numeric) {
  return el("tr", {}, ...keys.map((k) => el("th", numeric && numeric.has(k) ? { class: "num" } : {}, t("col." + k))));
}
function facts(pairs) {
  return el("table", { class: "facts" }, ...pairs.map(([key, value]) =>
    el("tr", { "data-key": key }, el("th", {}, t(key)), el("td", {}, value ?? "–"))));
}
function currentCycle() { return Number($("cycle").value); }

// A table sorted by a click on its header. columns: [{ key, type, value }] where type is
// "money" (decimal text), "number" or text (folded), value(row) an optional accessor;
// sort: { key, desc }, changed in place; redraw() draws the table again.
function sortedRows(rows, columns, sort) {
  const column = columns.find((c) => c.key === sort.key) || { key: sort.key };
  const raw = column.value || ((r) => r[column.key]);
  const value = column.type === "money" ? (r) => I18N.cents(raw(r))
    : column.type === "number" ? (r) => raw(r) ?? -Infinity : (r) => I18N.fold(raw(r));
  return [...rows].sort((a, b) => {
    const x = value(a), y = value(b), order = x < y ? -1 : x > y ? 1 : 0;
    return sort.desc ? -order : order;
  });
}
function sortedHead(columns, sort) {
  return el("thead", {}, el("tr", {}, ...columns.map((c) => {
    const classes = [c.type ? "num" : "", c.key === sort.key ? "sorted" : "", c.key === sort.key && sort.desc ? "desc" : ""];
    return el("th", { "data-key": c.key, class: classes.filter(Boolean).join(" ") }, t("col." + c.key));
  })));
}
function sortOnClick(table, columns, sort, redraw) {
  table.addEventListener("click", (event) => {
    const key = event.target.closest("thead th")?.dataset.key;
    if (!key) return;
    const column = columns.find((c) => c.key === key);
    sort.desc = key === sort.key ? !sort.desc : Boolean(column && column.type);
    sort.key = key;
    redraw();
  });
}

// The tabs: allocation (always loaded with the cycle), lifecycle, treasury, simulation.
const Views = (() => {
  const views = new Map();
  let active = "allocation";
  // view: { load(cycle) -> data, render(data) }; its panel is #tab-<name>.
  function register(name, view) { views.set(name, { ...view, cycle: null, data: null, seq: 0 }); }
  async function refresh(name, force) {
    const view = views.get(name), cycle = currentCycle();
    if (!view || !cycle || (!force && view.cycle === cycle)) return;
    const seq = ++view.seq, panel = $("tab-" + name);
    delete panel.dataset.cycle;
    view.cycle = cycle;
    try {
      const data = await view.load(cycle);
      if (seq !== view.seq) return;  // a later request answers for the screen
      view.data = data;
      view.render(data);
      panel.dataset.cycle = String(cycle);  // loaded (tests wait for it)
    } catch (e) {
      if (seq !== view.seq) return;
      view.data = null; view.cycle = null;
      view.render(null);
      if (e.message !== "401") showError(e.message);
    }
  }
  function show(name) {
    if (!$("tab-" + name)) name = "allocation";
    active = name;
    for (const button of document.querySelectorAll("#tabs [role=tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === name));
    }
    for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== "tab-" + name;
    const hash = name === "allocation" ? "" : "#" + name;  // the view is kept in the address
    if (location.hash !== hash) history.replaceState(null, "", location.pathname + location.search + hash);
    return refresh(name);
  }
  function cycleChanged() { for (const view of views.values()) view.cycle = null; return refresh(active); }
  function rerender() { for (const view of views.values()) if (view.data) view.render(view.data); }
  function reload(name) { return refresh(name, true); }
  return { register, show, cycleChanged, rerender, reload, get active() { return active; } };
})();
