// The treasury of the chosen cycle (issue 11): its payment orders as of a date
// (/orders?cycle=&status=&as_of=: status, due date, amount, paid, unpaid, days overdue),
// the aging of the unpaid rest and the totals as the API sums them; then the sources
// and uses per financier (/cycles/{cycle}/sources-uses), attributed pro rata. Source
// labels as the command line writes them (pac_grants/treasury_tables.py source_label).
"use strict";

(() => {
  const AGING = ["not_due", "0-30", "31-90", "over_90"];
  const COLUMNS = [{ key: "order_id" }, { key: "commune", value: (o) => nameOf(o) }, { key: "tranche" },
    { key: "due_on" }, { key: "amount", type: "money" }, { key: "cancelled", type: "money" },
    { key: "paid", type: "money" }, { key: "unpaid", type: "money" },
    { key: "status", value: (o) => t("order." + o.status) }, { key: "days_overdue", type: "number" }];
  const sort = { key: "order_id", desc: false };
  const USES = ["committed", "allocated", "ordered", "paid", "unallocated"];
  let shown = null;

  function today() {
    const d = new Date();
    return [d.getFullYear(), String(d.getMonth() + 1).padStart(2, "0"), String(d.getDate()).padStart(2, "0")].join("-");
  }
  function query(cycle) {
    const q = new URLSearchParams({ cycle, as_of: $("as-of").value || today() });
    if ($("order-status").value) q.set("status", $("order-status").value);
    return q;
  }
  async function load(cycle) {
    const [orders, sources] = await Promise.all([json("/orders?" + query(cycle)),
      json("/cycles/" + cycle + "/sources-uses")]);
    return { orders, sources, status: $("order-status").value };
  }

  function sourceLabel(financier) {
    if (financier === "unnamed") return t("source.unnamed");
    if (financier.startsWith("carry_over:")) return t("source.carry_over", { cycle: financier.split(":")[1] });
    return financier;
  }
  function orderRow(o) {
    return el("tr", { "data-order": o.order_id, class: "order-" + o.status },
      el("td", {}, el("bdi", { dir: "ltr" }, o.order_id)),
      el("td", { class: "name" }, name(nameOf(o))), el("td", {}, o.tranche), dateCell(o.due_on),
      moneyCell(o.amount), moneyCell(o.cancelled), moneyCell(o.paid), moneyCell(o.unpaid),
      el("td", { class: "state" }, t("order." + o.status)), numberCell(o.days_overdue));
  }
  function drawOrders() {
    const found = shown.orders, totals = found.totals;
    const rows = sortedRows(found.orders, COLUMNS, sort).map(orderRow);
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: COLUMNS.length }, t("treasury.none"))));
    const foot = el("tr", {}, el("td", { colspan: 4, id: "orders-total-label" }, t("total") + " (" + I18N.number(totals.orders) + ")"),
      moneyCell(totals.amount), moneyCell(totals.cancelled), moneyCell(totals.paid), moneyCell(totals.unpaid),
      el("td", { colspan: 2 }, ""));
    $("orders").replaceChildren(sortedHead(COLUMNS, sort), el("tbody", {}, ...rows), el("tfoot", {}, foot));
  }
  function aging(found) {
    const rows = AGING.map((b) => el("tr", { "data-bucket": b }, el("th", {}, t("aging." + b)), moneyCell(found.aging[b])));
    return [el("thead", {}, el("tr", {}, el("th", {}, t("col.aging")), el("th", { class: "num" }, t("col.unpaid")))),
      el("tbody", {}, ...rows),
      el("tfoot", {}, el("tr", {}, el("td", {}, t("total")), moneyCell(found.totals.unpaid)))];
  }
  function orderTotals(totals) {
    const keys = ["amount", "cancelled", "paid", "unpaid", "overdue"];
    return el("tbody", {}, el("tr", { "data-key": "orders" }, el("th", {}, t("col.orders")), numberCell(totals.orders)),
      ...keys.map((k) => el("tr", { "data-key": k }, el("th", {}, t("col." + k)), moneyCell(totals[k]))));
  }

  function windowUses(report) {
    const keys = ["pool", "allocated", "ordered", "paid", "carried_over"];
    const rows = report.windows.map((w) => el("tr", { "data-window": w.window }, el("td", {}, w.window),
      ...keys.map((k) => moneyCell(w[k]))));
    return [el("thead", {}, headRow(["window", ...keys], new Set(keys))), el("tbody", {}, ...rows)];
  }
  function sourceRow(window, use) {
    return el("tr", { "data-window": window, "data-financier": use.financier }, el("td", {}, window || t("treasury.all_windows")),
      el("td", {}, sourceLabel(use.financier)), ...USES.map((k) => moneyCell(use[k])));
  }
  function sources(report) {
    const rows = report.windows.flatMap((w) => w.financiers.map((f) => sourceRow(w.window, f)));
    if (report.windows.length > 1) rows.push(...report.financiers.map((f) => sourceRow("", f)));
    return [el("thead", {}, headRow(["window", "financier", ...USES], new Set(USES))), el("tbody", {}, ...rows)];
  }

  function render(data) {
    shown = data;
    for (const id of ["orders", "aging", "order-totals", "windows-uses", "sources"]) $(id).replaceChildren();
    $("orders-title").textContent = ""; $("sources-title").textContent = "";
    if (!data) return;
    const panel = $("tab-treasury");
    panel.dataset.asOf = data.orders.as_of;
    panel.dataset.status = data.status;
    $("orders-title").replaceChildren(t("treasury.as_of", { date: "" }), el("bdi", { dir: "ltr" }, data.orders.as_of));
    $("aging").replaceChildren(...aging(data.orders));
    $("order-totals").replaceChildren(orderTotals(data.orders.totals));
    drawOrders();
    $("sources-title").textContent = t("treasury.sources_today", { cycle: data.sources.cycle });
    $("windows-uses").replaceChildren(...windowUses(data.sources));
    $("sources").replaceChildren(...sources(data.sources));
  }

  function downloadOrders(extension) {
    const cycle = currentCycle(), q = query(cycle);
    q.set("lang", I18N.lang);
    if (extension === "csv") q.set("delimiter", "semicolon");
    const name = "pac-orders-" + cycle + "-" + q.get("as_of") + "." + extension;
    return download("/orders." + extension + "?" + q, name);
  }

  $("as-of").value = today();
  Views.register("treasury", { load, render });
  sortOnClick($("orders"), COLUMNS, sort, () => { if (shown) drawOrders(); });
  for (const id of ["as-of", "order-status"]) $(id).addEventListener("change", () => Views.reload("treasury"));
  $("orders-xlsx").addEventListener("click", () => downloadOrders("xlsx"));
  $("orders-csv").addEventListener("click", () => downloadOrders("csv"));
})();
