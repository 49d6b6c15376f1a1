// Labels, money and text rules shared by the finance page and the public page (issue 12).
// The page's HTML carries both catalogs and both money rules (pac_grants/i18n,
// pac_grants/display.page_rules: Babel's CLDR data for fr_MA and ar_MA) in #page-config.
// Money is decimal text ("4500000.00") turned into BigInt centimes, never a Number.
"use strict";

const I18N = (() => {
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const listeners = [];
  const stored = localStorage.getItem("pacLang");
  let lang = new URLSearchParams(location.search).get("lang") ||
    (stored in config.labels ? stored : config.lang);
  if (!(lang in config.labels)) lang = config.lang;

  function t(key, values) {
    let label = config.labels[lang][key] ?? key.split(".").pop();
    for (const [k, v] of Object.entries(values || {})) label = label.split("{" + k + "}").join(String(v));
    return label;
  }
  function cents(text) { return BigInt(String(text).replace(".", "")); }
  function grouped(digits) {
    const rules = config.money[lang];
    const [primary, secondary] = rules.grouping;
    if (digits.length <= primary) return digits;
    const groups = [digits.slice(-primary)];
    let rest = digits.slice(0, -primary);
    while (rest) { groups.unshift(rest.slice(-secondary)); rest = rest.slice(0, -secondary); }
    return groups.join(rules.group);
  }
  // As pac_grants.display.money: with the currency (and CLDR's bidi marks) or without.
  function money(value, withCurrency = false) {
    const c = typeof value === "bigint" ? value : cents(value);
    const rules = config.money[lang];
    const abs = c < 0n ? -c : c;
    const body = grouped((abs / 100n).toString()) + rules.decimal + (abs % 100n).toString().padStart(2, "0");
    if (!withCurrency) return (c < 0n ? "-" : "") + body;
    const [before, after] = c < 0n ? rules.negative : rules.positive;
    return before + body + after;
  }
  function number(value) {
    if (value === null || value === undefined) return "–";
    const text = String(value);
    return text.startsWith("-") ? "-" + grouped(text.slice(1)) : grouped(text);
  }
  // A decimal that is not money ("6.5" days, "0.1747"), with the language's separators.
  function decimal(value) {
    if (value === null || value === undefined) return "–";
    const [whole, frac] = String(value).split(".");
    return number(whole) + (frac === undefined ? "" : config.money[lang].decimal + frac);
  }
  // Text as searched and sorted (pac_grants/api/table.py fold): no accents, lower case.
  function fold(value) { return String(value ?? "").normalize("NFD").replace(/\p{Mn}/gu, "").toLowerCase(); }
  function reasons(codes) { return codes.map((c) => t("reason." + c)).join(lang === "fr" ? " ; " : "؛ "); }
  function ruleLabel(item) {
    return (lang === "ar" ? item.label_ar || item.label_fr : item.label_fr || item.label_ar) || item.id;
  }
  function apply() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
    for (const node of document.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    document.title = t("app.title");
  }
  function setLang(next) {
    lang = next;
    localStorage.setItem("pacLang", lang);
    apply();
    for (const listener of listeners) listener(lang);
  }
  function onChange(listener) { listeners.push(listener); }
  function other() { return lang === "fr" ? "ar" : "fr"; }
  apply();
  return { t, cents, money, number, decimal, fold, reasons, ruleLabel, setLang, onChange, other,
    get lang() { return lang; } };
})();

// A name from the events, isolated (issue 12): a right-to-left override inside it can
// never reorder the codes and amounts around it.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}
function name(text, dir) { return el("bdi", dir ? { dir } : {}, text ?? ""); }
