// Gatehouse console: turns command results, problems and pushes into DOM nodes. Text only ever
// goes in as text (never as HTML); URLs become links that open in a new tab.
"use strict";
(function () {
  const G = (window.Gatehouse = window.Gatehouse || {});

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function isUrl(value) {
    return typeof value === "string" && /^https?:\/\/[^\s]+$/.test(value);
  }

  function link(url, label) {
    const a = el("a", "", label || url);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  /// A scalar as a node: links for URLs, text for everything else.
  function scalar(value) {
    if (isUrl(value)) return link(value);
    if (value === null || value === undefined) return document.createTextNode("–");
    if (typeof value === "object") return document.createTextNode(JSON.stringify(value));
    return document.createTextNode(String(value));
  }

  function wrap(table) {
    const box = el("div", "table-wrap");
    box.appendChild(table);
    return box;
  }

  /// An array of objects as a table whose columns are the keys of its rows, in first-seen order.
  function rowsTable(rows) {
    const columns = [];
    for (const row of rows)
      for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
    const table = el("table", "rows");
    const head = table.createTHead().insertRow();
    for (const c of columns) {
      const th = el("th", "", c);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const c of columns) {
        const td = tr.insertCell();
        td.dataset.label = c; // narrow screens show each row as a card of labelled fields
        td.appendChild(scalar(row[c]));
      }
    }
    return wrap(table);
  }

  /// An object as a two-column table of its fields.
  function fieldsTable(object) {
    const table = el("table");
    const body = table.createTBody();
    for (const [key, value] of Object.entries(object)) {
      const tr = body.insertRow();
      const th = el("th", "", key);
      th.scope = "row";
      tr.appendChild(th);
      tr.insertCell().appendChild(value !== null && typeof value === "object" && !Array.isArray(value)
        ? fieldsTable(value) : Array.isArray(value) ? value_(value) : scalar(value));
    }
    return wrap(table);
  }

  /// Any JSON value: tables for lists of objects and for objects, "(none)" for empty lists.
  function value_(value) {
    if (Array.isArray(value)) {
      if (value.length === 0) return el("span", "", "(none)");
      if (value.every((v) => v !== null && typeof v === "object" && !Array.isArray(v)))
        return rowsTable(value);
      const list = el("ul");
      for (const v of value) list.appendChild(el("li")).appendChild(scalar(v));
      return list;
    }
    if (value !== null && typeof value === "object") return fieldsTable(value);
    return scalar(value);
  }

  /// A problem document: "Title (status): detail" and its field errors.
  function problem(p) {
    const box = el("div");
    const status = p && p.status ? " (" + p.status + ")" : "";
    box.appendChild(document.createTextNode(((p && p.title) || "Error") + status +
      (p && p.detail ? ": " + p.detail : "")));
    if (p && Array.isArray(p.errors) && p.errors.length) {
      const list = el("ul", "field-errors");
      for (const e of p.errors) list.appendChild(el("li", "", e.field + ": " + e.message));
      box.appendChild(list);
    }
    return box;
  }

  G.render = { el, link, value: value_, problem, isUrl };
})();
