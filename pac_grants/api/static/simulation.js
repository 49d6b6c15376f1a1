// Simulation of the chosen cycle under a variant ruleset (issue 13): the variants are
// the packaged and stored rulesets of the cycle (/rulesets); a run asks
// /cycles/{cycle}/simulation?variant=ID, which reads the cycle's stored inputs and
// writes nothing. Shown: the totals side by side, who gains and loses, the difference
// per region or commune, and every commune's base and variant amounts (whole MAD in
// the API, written here as money like the rest of the page), sortable and filterable.
"use strict";

(() => {
  const COLUMNS = [{ key: "code" }, { key: "commune", value: (r) => nameOf(r) }, { key: "region" },
    { key: "window" }, { key: "base_amount", type: "number" }, { key: "variant_amount", type: "number" },
    { key: "difference", type: "number" }, { key: "changes", value: (r) => changes(r) }];
  const sort = { key: "difference", desc: true };
  const panel = $("tab-simulation");
  let cycle = null, result = null, runs = 0;

  const mad = (v) => String(v) + ".00";  // whole MAD as the decimal text of money
  function signed(v) { return (v > 0 ? "+" : "") + I18N.money(mad(v)); }
  function changes(r) { return r.changes.map((c) => t("change." + c)).join(I18N.lang === "ar" ? "؛ " : " ; "); }

  async function load(chosen) {
    const found = await json("/rulesets");
    cycle = chosen; result = null; runs += 1;
    delete panel.dataset.variant;
    return { rulesets: found.rulesets.filter((r) => r.cycle === chosen) };
  }
  function fillVariants(rulesets) {
    const before = $("variant").value;
    $("variant").replaceChildren(...rulesets.map((r) => el("option", { value: r.reference },
      r.reference + " (v" + r.version + ", " + t("sim.origin." + r.origin) + ")")));
    const stored = rulesets.find((r) => r.origin === "stored");
    const keep = rulesets.some((r) => r.reference === before);
    $("variant").value = keep ? before : stored ? stored.reference : rulesets.length ? rulesets[0].reference : "";
    $("simulate").disabled = !rulesets.length;
    $("sim-note").textContent = t("sim.note") + (rulesets.length ? "" : " " + t("sim.none"));
  }

  async function run() {
    const variant = $("variant").value, seq = ++runs;
    if (!variant || !cycle) return;
    delete panel.dataset.variant;
    showError("");
    try {
      const found = await json("/cycles/" + cycle + "/simulation?variant=" + encodeURIComponent(variant));
      if (seq !== runs) return;
      result = found;
      drawResult();
      panel.dataset.variant = variant;  // shown (tests wait for it)
    } catch (e) { if (seq === runs && e.message !== "401") showError(e.message); }
  }

  function visible() {
    const q = I18N.fold($("sim-filter").value.trim()), changed = $("sim-changed").checked;
    return result.communes.filter((r) => (!changed || r.changes.join() !== "unchanged") &&
      (!q || [r.code, r.name_fr, r.name_ar, r.region, r.province].some((v) => I18N.fold(v).includes(q))));
  }
  function communeRow(r) {
    return el("tr", { "data-code": r.code }, el("td", {}, r.code), el("td", { class: "name" }, name(nameOf(r))),
      el("td", { class: "name" }, name(r.region)), el("td", {}, r.window ?? "–"),
      el("td", { class: "num", "data-amount": mad(r.base_amount) }, I18N.money(mad(r.base_amount))),
      el("td", { class: "num", "data-amount": mad(r.variant_amount) }, I18N.money(mad(r.variant_amount))),
      el("td", { class: "num difference", "data-amount": mad(r.difference) }, signed(r.difference)),
      el("td", { class: "changes" }, changes(r)));
  }
  function drawCommunes(rows) {
    const sum = (k) => rows.reduce((s, r) => s + BigInt(r[k]), 0n);
    const foot = el("tr", {}, el("td", { colspan: 4, id: "sim-total-label" },
      t("total.communes", { shown: rows.length, total: result.communes.length })),
      el("td", { class: "num" }, I18N.money(sum("base_amount") * 100n)),
      el("td", { class: "num" }, I18N.money(sum("variant_amount") * 100n)),
      el("td", { class: "num", id: "sim-total-difference" }, (sum("difference") > 0n ? "+" : "") + I18N.money(sum("difference") * 100n)),
      el("td", {}, ""));
    $("sim-communes").replaceChildren(sortedHead(COLUMNS, sort),
      el("tbody", {}, ...sortedRows(rows, COLUMNS, sort).map(communeRow)), el("tfoot", {}, foot));
  }
  function drawChart(rows) {
    let bars;
    if ($("sim-chart-by").value === "region") {
      bars = result.totals.by_region.map((g) => ({ label: g.region, c: BigInt(g.difference) * 100n }));
    } else {
      bars = rows.filter((r) => r.difference !== 0).map((r) => ({ label: nameOf(r) || r.code, c: BigInt(r.difference) * 100n }));
      bars.sort((a, b) => Number((b.c < 0n ? -b.c : b.c) - (a.c < 0n ? -a.c : a.c)));
      bars = bars.slice(0, 15);
    }
    bars.sort((a, b) => (b.c > a.c ? 1 : b.c < a.c ? -1 : 0));
    $("sim-chart").replaceChildren(barChart(bars, t("sim.chart"), true));
  }
  function totalsTable() {
    const base = result.totals.base, variant = result.totals.variant;
    const money = (v) => el("td", { class: "num" }, I18N.money(v));
    const line = (key, b, v, cell, diff) => el("tr", { "data-key": key }, el("th", {}, t("sim." + key)), cell(b), cell(v), diff);
    const moneyLine = (key) => line(key, mad(base[key]), mad(variant[key]), money,
      el("td", { class: "num" }, signed(variant[key] - base[key])));
    const countLine = (key) => line(key, base[key], variant[key], numberCell,
      el("td", { class: "num" }, (variant[key] > base[key] ? "+" : "") + I18N.number(variant[key] - base[key])));
    const decimal = (v) => el("td", { class: "num" }, I18N.decimal(v));
    const rows = [moneyLine("pool"), moneyLine("allocated"), moneyLine("unallocated"), countLine("eligible"),
      countLine("capped"), line("top10_share", base.top10_share, variant.top10_share, decimal, el("td")),
      line("gini", base.gini, variant.gini, decimal, el("td")),
      ...["min", "median", "max"].map((k) => line("per_capita_" + k, base.per_capita[k], variant.per_capita[k],
        (v) => (v === null ? el("td", { class: "num" }, "–") : money(v)), el("td")))];
    const head = el("tr", {}, el("th", {}, ""), ...["base", "variant_side", "difference"].map((k) =>
      el("th", { class: "num" }, t("sim." + k))));
    return [el("thead", {}, head), el("tbody", {}, ...rows)];
  }
  function drawResult() {
    $("sim-result").hidden = !result;
    $("simulation-xlsx").disabled = !result;
    if (!result) return;
    const side = (s) => s.ruleset.id + " v" + s.ruleset.version;
    $("sim-rulesets").textContent = t("sim.rulesets", { base: side(result.base), variant: side(result.variant) });
    $("sim-parameters").replaceChildren(...result.parameters.map((p) => el("li", {}, el("code", {}, p.path), " : ",
      el("bdi", { dir: "ltr" }, (p.base ?? "–") + " → " + (p.variant ?? "–")))));
    const moves = result.totals.changes;
    $("sim-moves").textContent = t("sim.moves", { gain: I18N.number(moves.gain), lose: I18N.number(moves.lose),
      same: I18N.number(moves.same), gained: I18N.money(mad(moves.gained), true), lost: I18N.money(mad(moves.lost), true) });
    $("sim-totals").replaceChildren(...totalsTable());
    const rows = visible();
    drawChart(rows);
    drawCommunes(rows);
  }

  function render(data) {
    fillVariants(data ? data.rulesets : []);
    drawResult();
  }

  Views.register("simulation", { load, render });
  $("simulate").addEventListener("click", run);
  sortOnClick($("sim-communes"), COLUMNS, sort, () => { if (result) drawCommunes(visible()); });
  for (const id of ["sim-changed", "sim-chart-by"]) $(id).addEventListener("change", drawResult);
  $("sim-filter").addEventListener("input", drawResult);
  $("simulation-xlsx").addEventListener("click", () => {
    const variant = result.variant.ruleset.id, chosen = panel.dataset.variant;
    download("/cycles/" + result.cycle + "/simulation.xlsx?variant=" + encodeURIComponent(chosen),
      "pac-simulation-" + result.cycle + "-" + variant + ".xlsx");
  });
})();
