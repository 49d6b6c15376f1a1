// The life of the chosen cycle (issue 10): its state, dates and decisions
// (/cycles/{cycle}/lifecycle) and its complaints register (/complaints?cycle=N): the
// totals (lodged, decided, upheld, rejected, open, late, days to decide), the counts per
// subject and the complaints with their status. Late complaints are refused by the
// pipeline (dead letters): they are counted, never listed.
"use strict";

(() => {
  const STEPS = [["life.step.opened", "opened_on"], ["life.step.notified", "notified_on"],
    ["life.step.deadline", "complaint_deadline"], ["life.step.approved", "first_closed_on"],
    ["life.step.reopened", "reopened_on"]];

  async function load(cycle) {
    const [life, register] = await Promise.all([json("/cycles/" + cycle + "/lifecycle"),
      json("/complaints?cycle=" + cycle).catch((e) => {
        if (e.message === "401") throw e;
        return { error: e.message };
      })]);
    return { life, register };
  }

  function dated(value) { return value ? el("bdi", { dir: "ltr" }, value) : "–"; }

  function timeline(life) {
    const steps = STEPS.filter(([, key]) => life[key]).map(([label, key]) => [label, life[key]]);
    if (life.approvals > 1) steps.push(["life.step.reapproved", life.closed_on]);
    return steps.map(([label, on]) => el("li", {}, el("span", { class: "step" }, t(label)), " ", dated(on)));
  }

  function lifeFacts(life) {
    const rows = [["col.state", t("status." + life.state)], ["fact.ruleset", life.ruleset_id],
      ["life.opened_on", dated(life.opened_on)], ["life.notified_on", dated(life.notified_on)],
      ["life.complaint_deadline", dated(life.complaint_deadline)],
      ["life.approvals", I18N.number(life.approvals)]];
    if (life.approvals > 1) rows.push(["life.first_closed_on", dated(life.first_closed_on)]);
    rows.push(["life.closed_on", dated(life.closed_on)], ["life.decision_ref", life.decision_ref],
      ["life.approved_by", life.approved_by]);
    if (life.reopened_on) {
      rows.push(["life.reopened_on", dated(life.reopened_on)], ["life.reopen_ref", life.reopen_ref],
        ["life.reopen_reason", life.reopen_reason]);
    } else rows.push(["life.reopened_on", t("life.never")]);
    return facts(rows);
  }

  const TOTALS = ["lodged", "decided", "upheld", "rejected", "open", "late"];
  function totals(c) {
    const keys = [...TOTALS, "median_days", "max_days"];
    const row = el("tr", {}, ...TOTALS.map((k) => numberCell(c[k])),
      el("td", { class: "num" }, I18N.decimal(c.median_days_to_decide)), numberCell(c.max_days_to_decide));
    return [el("thead", {}, headRow(keys, new Set(keys))), el("tbody", {}, row)];
  }
  function subjects(c) {
    const keys = ["lodged", "upheld", "rejected", "open", "late"];
    const rows = c.subjects.map((s) => el("tr", { "data-subject": s.subject }, el("td", {}, s.subject),
      ...keys.map((k) => numberCell(s[k]))));
    return [el("thead", {}, headRow(["subject", ...keys], new Set(keys))), el("tbody", {}, ...rows)];
  }
  function complaintRows(list) {
    const chosen = $("complaint-status").value;
    const shown = list.filter((c) => !chosen || c.status === chosen);
    const keys = ["complaint_id", "code", "commune", "lodged_on", "subjects", "status", "decided_on", "days_to_decide"];
    const rows = shown.map((c) => el("tr", { "data-id": c.complaint_id, class: "complaint-" + c.status },
      el("td", {}, el("bdi", { dir: "ltr" }, c.complaint_id)), el("td", {}, c.commune_code), el("td", { class: "name" }, name(communeName(c.commune_code))),
      dateCell(c.lodged_on), el("td", {}, c.subjects.join(", ")), el("td", { class: "state" }, t("complaint." + c.status)),
      dateCell(c.decided_on), numberCell(c.days_to_decide)));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: keys.length }, t("complaints.none"))));
    return [el("thead", {}, headRow(keys, new Set(["days_to_decide"]))), el("tbody", {}, ...rows)];
  }

  let shown = null;
  function render(data) {
    shown = data;
    const parts = ["timeline", "life", "complaint-totals", "subjects", "complaints"];
    for (const id of parts) $(id).replaceChildren();
    if (!data) return;
    $("timeline").replaceChildren(...timeline(data.life));
    $("life").replaceChildren(lifeFacts(data.life));
    const register = data.register, cycle = register.cycles && register.cycles[0];
    if (!cycle) {
      $("complaints").replaceChildren(el("tbody", {}, el("tr", {}, el("td", {}, register.error || t("complaints.none")))));
      return;
    }
    $("complaint-totals").replaceChildren(...totals(cycle));
    $("subjects").replaceChildren(...subjects(cycle));
    $("complaints").replaceChildren(...complaintRows(register.complaints));
  }

  Views.register("lifecycle", { load, render });
  $("complaint-status").addEventListener("change", () => { if (shown) render(shown); });
})();
