// A commune of the allocation table (issues 7 and 12): why it got its amount, its
// statement of the cycle and its amounts per cycle, in the side panel. Called from
// app.js (openCommune on a click, renderDetail when the language changes).
"use strict";

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

