// Horizontal bar charts as inline SVG (issues 7 and 13): the largest grants of the
// allocation view and the differences of a simulation, which may be negative: bars then
// grow left and right of a zero line. Amounts are BigInt centimes; only the lengths of
// the bars use Number. The chart is drawn left to right in both languages (its labels
// are isolated, app.css), like the numbers it shows.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
// bars: [{ label, c }] in the order drawn; sign: "+" before positive values.
function barChart(bars, title, sign) {
  const big = (x) => (x < 0n ? -x : x);
  const most = bars.reduce((m, b) => (b.c > m ? b.c : m), 0n);
  const least = bars.reduce((m, b) => (b.c < m ? b.c : m), 0n);
  const span = (most - least) || 1n;
  const row = 17, left = 190, width = 520;
  const zero = left + Math.round(width * Number((big(least) * 10000n) / span) / 10000);
  const chart = svg("svg", { width: left + width + 150, height: bars.length * row + 10,
    role: "img", "aria-label": title, direction: "ltr" });
  bars.forEach((b, i) => {
    const y = 5 + i * row;
    const w = Math.max(1, Math.round(width * Number((big(b.c) * 10000n) / span) / 10000));
    const x = b.c < 0n ? zero - w : zero;
    const value = (sign && b.c > 0n ? "+" : "") + I18N.money(b.c);
    chart.append(svg("text", { x: left - 6, y: y + 12, "text-anchor": "end", class: "label" }, b.label),
      svg("rect", { x, y, width: w, height: row - 4, class: b.c < 0n ? "bar negative" : "bar" }),
      svg("text", { x: (b.c < 0n ? zero : zero + w) + 6, y: y + 12, class: "value" }, value));
  });
  if (least < 0n) chart.append(svg("line", { x1: zero, x2: zero, y1: 0, y2: bars.length * row + 10, class: "zero" }));
  return chart;
}
