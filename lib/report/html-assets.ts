/** The page's only style sheet: inline, so report.html stands alone (also in a mail or a COS bucket). */
export const REPORT_CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0;
  --ok: #1a7f37; --skip: #6e7781; --bad: #cf222e; --warn: #9a6700; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23;
  --line: #3d444d; --ok: #3fb950; --skip: #9198a1; --bad: #f85149; --warn: #d29922; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.st-succeeded { color: var(--ok); } .st-skipped { color: var(--skip); } .st-failed { color: var(--bad); } .st-interrupted { color: var(--warn); }
.summary { display: flex; flex-wrap: wrap; gap: 12px; margin: 0; }
.summary div { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 110px; }
.summary dt { color: var(--muted); font-size: 12px; } .summary dd { margin: 0; font-size: 20px; font-weight: 600; }
.controls { display: flex; gap: 12px; align-items: center; margin: 20px 0 8px; flex-wrap: wrap; }
.controls[hidden] { display: none; }
.pager button { font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 1px 8px; cursor: pointer; }
.pager button:disabled { opacity: 0.5; cursor: default; }
input, select { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 3px 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { overflow-wrap: anywhere; }
th { background: var(--panel); position: sticky; top: 0; white-space: nowrap; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; } th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.num { text-align: right; white-space: nowrap; } th.num { text-align: right; }
tr[data-status="failed"] td:first-child { box-shadow: inset 3px 0 var(--bad); }
.sub { display: block; color: var(--muted); font-size: 12px; }
.error { color: var(--bad); }
.vf-verified { color: var(--ok); } .vf-mismatch { color: var(--bad); }
.mismatches { margin: 4px 0 0; padding-left: 18px; font-size: 12px; }
`;

/**
 * The results table from `#report-rows` (lib/report/html-rows.ts): a page of rows at a time, sorted
 * (click a header, again to reverse; ties keep the report's failed-first order) and filtered (status,
 * text). Rows are built with textContent only: no datum is ever parsed as markup.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('results');
  var controls = document.getElementById('controls');
  var data = document.getElementById('report-rows');
  if (!table || !controls || !data) return;
  var all = JSON.parse(data.textContent);
  var pageRows = Number(table.getAttribute('data-page-rows')) || 100;
  var tbody = table.tBodies[0];
  var headers = table.tHead.rows[0].cells;
  var statusFilter = document.getElementById('status-filter');
  var textFilter = document.getElementById('text-filter');
  var shown = document.getElementById('shown-count');
  var pageInfo = document.getElementById('page-info');
  var prev = document.getElementById('prev-page');
  var next = document.getElementById('next-page');
  var note = document.getElementById('static-note');
  var KEYS = [
    function (v) { return v.src.toLowerCase(); },
    function (v) { return v.dst.toLowerCase(); },
    function (v) { return v.r; },
    function (v) { return v.d.toLowerCase(); },
    function (v) { return v.cb; },
    function (v) { return v.tm; },
    function (v) { return v.ec === undefined ? '' : (v.ec + ' ' + v.em).toLowerCase(); }
  ];
  var order = all;
  var visible = all;
  var page = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function row(v) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-status', v.s);
    tr.setAttribute('data-index', String(v.i));
    if (v.v) tr.setAttribute('data-verification', v.v);
    tr.appendChild(el('td', 'mono', v.src));
    tr.appendChild(el('td', 'mono', v.dst));
    var st = el('td');
    st.setAttribute('data-sort', String(v.r));
    st.appendChild(el('span', 'badge st-' + v.s, v.s));
    if (v.v) {
      st.appendChild(document.createTextNode(' '));
      var vb = el('span', 'badge vf-' + v.v, v.v === 'verified' ? 'verified' : 'mismatch');
      vb.title = v.vt || '';
      st.appendChild(vb);
    }
    if (v.x) st.appendChild(el('span', 'sub', v.x));
    tr.appendChild(st);
    var dg = el('td', 'mono', v.d);
    if (v.dd) dg.title = v.dd;
    tr.appendChild(dg);
    var cp = el('td', 'num', v.c);
    cp.setAttribute('data-sort', String(v.cb));
    if (v.m) cp.appendChild(el('span', 'sub', v.m));
    tr.appendChild(cp);
    var du = el('td', 'num', v.t);
    du.setAttribute('data-sort', String(v.tm));
    tr.appendChild(du);
    var er = el('td', 'error');
    if (v.ec !== undefined) {
      er.appendChild(el('code', '', v.ec));
      er.appendChild(document.createTextNode(' ' + (v.em || '')));
      if (v.ew) er.appendChild(el('span', 'sub', v.ew));
      if (v.eh) er.appendChild(el('span', 'sub hint', v.eh));
      if (v.mm && v.mm.length) {
        var ul = el('ul', 'mismatches');
        v.mm.forEach(function (m) { var li = el('li', '', m[1]); li.setAttribute('data-mismatch', m[0]); ul.appendChild(li); });
        er.appendChild(ul);
      }
    }
    tr.appendChild(er);
    return tr;
  }
  function render() {
    var pages = Math.max(1, Math.ceil(visible.length / pageRows));
    page = Math.min(Math.max(page, 0), pages - 1);
    var fragment = document.createDocumentFragment();
    visible.slice(page * pageRows, (page + 1) * pageRows).forEach(function (v) { fragment.appendChild(row(v)); });
    tbody.textContent = '';
    tbody.appendChild(fragment);
    shown.textContent = String(visible.length);
    pageInfo.textContent = 'page ' + (page + 1) + ' of ' + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  var text = null;
  function applyFilter() {
    var status = statusFilter.value;
    var needle = textFilter.value.trim().toLowerCase();
    if (needle && !text) {
      text = all.map(function (v) { return (v.src + ' ' + v.dst + ' ' + (v.ec || '') + ' ' + (v.em || '') + ' ' + (v.ew || '') + ' ' + (v.eh || '')).toLowerCase(); });
    }
    visible = order.filter(function (v) {
      return (status === 'all' || v.s === status) && (!needle || text[v.i].indexOf(needle) !== -1);
    });
    page = 0;
    render();
  }
  function sortBy(col, sign) {
    var key = KEYS[col];
    var keyed = all.map(function (v) { return { v: v, k: key(v) }; });
    keyed.sort(function (a, b) {
      var c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
      return c * sign || a.v.i - b.v.i;
    });
    order = keyed.map(function (k) { return k.v; });
    applyFilter();
  }
  Array.prototype.forEach.call(headers, function (th, col) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var direction = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', direction);
      sortBy(col, direction === 'ascending' ? 1 : -1);
    });
  });
  statusFilter.addEventListener('change', applyFilter);
  textFilter.addEventListener('input', applyFilter);
  prev.addEventListener('click', function () { page -= 1; render(); });
  next.addEventListener('click', function () { page += 1; render(); });
  if (note) note.hidden = true;
  controls.hidden = false;
  applyFilter();
})();
`;
