// The public results page (issue 12): approved cycles only, no token, no payment data.
// Labels and money from i18n.js; the JSON comes from /public/api/v1.
"use strict";

const $ = (id) => document.getElementById(id);
const t = I18N.t;
const state = { cycles: [], data: null };

async function json(path) {
  const response = await fetch("/public/api/v1" + path);
  if (!response.ok) throw new Error(response.status + " " + response.statusText);
  return response.json();
}

async function start() {
  try { state.cycles = (await json("/cycles")).cycles; } catch (e) { $("status").textContent = e.message; return; }
  if (!state.cycles.length) { $("status").textContent = t("public.none"); return; }
  fillCycles();
  $("cycle").value = state.cycles[state.cycles.length - 1].cycle;
  await load();
}
function fillCycles() {
  const chosen = $("cycle").value;
  $("cycle").replaceChildren(...state.cycles.map((c) => el("option", { value: c.cycle },
    c.cycle + " (" + t("status." + c.status) + ")")));
  if (chosen) $("cycle").value = chosen;
}
async function load() {
  delete $("windows").dataset.cycle;
  try { state.data = await json("/cycles/" + $("cycle").value); } catch (e) {
    $("status").textContent = e.message; return;
  }
  render();
  $("windows").dataset.cycle = String(state.data.cycle);  // loaded (tests wait for it)
}

function money(v) { return v === null ? el("td", { class: "num" }, "–") : el("td", { class: "num", "data-amount": v }, I18N.money(v)); }
function points(areas) {
  if (!areas) return "–";
  return Object.entries(areas).map(([area, p]) => t("area." + area) + " " + p).join(" · ");
}
function render() {
  const d = state.data;
  if (!d) return;
  $("cycle-status").textContent = t("status." + d.status);
  const q = I18N.fold($("filter").value.trim());
  $("windows").replaceChildren(...d.windows.map((w) => {
    const withPoints = w.mode !== "mmc_only";
    const keys = ["rank", "code", "commune", "region", "province", "conditions_met",
      ...(withPoints ? ["points"] : []), "score", "grant", "per_capita", "change"];
    const head = el("tr", {}, ...keys.map((k) => el("th", { class: ["rank", "score", "grant", "per_capita", "change"].includes(k) ? "num" : "" }, t("col." + k))));
    const rows = w.communes.filter((c) => !q || [c.code, c.name_fr, c.name_ar, c.region, c.province]
      .some((v) => I18N.fold(v).includes(q))).map((c) => el("tr", { "data-code": c.code },
      el("td", { class: "num" }, c.rank), el("td", {}, c.code),
      el("td", { class: "name" }, name(I18N.lang === "ar" ? c.name_ar : c.name_fr)),
      el("td", { class: "name" }, name(c.region)), el("td", { class: "name" }, name(c.province)),
      el("td", { class: "num" }, c.conditions_met === null ? "–" : c.conditions_met + "/" + c.conditions_total),
      ...(withPoints ? [el("td", { class: "points" }, points(c.points_by_area))] : []),
      el("td", { class: "num" }, c.score ?? "–"), money(c.grant), money(c.per_capita), money(c.change)));
    return el("section", { class: "window" }, el("h2", {}, t("col.window") + " " + w.window),
      el("div", { class: "scroll" }, el("table", { class: "public" }, el("thead", {}, head), el("tbody", {}, ...rows))));
  }));
}

$("lang-switch").addEventListener("click", () => I18N.setLang(I18N.other()));
I18N.onChange(() => { fillCycles(); render(); });
$("cycle").addEventListener("change", load);
$("filter").addEventListener("input", render);
start();
