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

/** Sorting (click a header, again to reverse) and filtering (status, text) of the server-rendered rows. */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('results');
  var controls = document.getElementById('controls');
  if (!table || !controls) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var headers = table.tHead.rows[0].cells;
  var statusFilter = document.getElementById('status-filter');
  var textFilter = document.getElementById('text-filter');
  var shown = document.getElementById('shown-count');
  var text = rows.map(function (row) {
    return (row.cells[0].textContent + ' ' + row.cells[1].textContent + ' ' + row.cells[6].textContent).toLowerCase();
  });
  function applyFilter() {
    var status = statusFilter.value;
    var needle = textFilter.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row, i) {
      var visible = (status === 'all' || row.getAttribute('data-status') === status) && (!needle || text[i].indexOf(needle) !== -1);
      row.hidden = !visible;
      if (visible) count += 1;
    });
    shown.textContent = String(count);
  }
  function sortKey(row, col, numeric) {
    var cell = row.cells[col];
    var value = cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : cell.textContent;
    return numeric ? Number(value) : value.toLowerCase();
  }
  function sortBy(col, numeric, sign) {
    var keyed = rows.map(function (row) { return { row: row, key: sortKey(row, col, numeric), index: Number(row.getAttribute('data-index')) }; });
    keyed.sort(function (a, b) {
      var c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return c * sign || a.index - b.index;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.row); });
    tbody.appendChild(fragment);
  }
  Array.prototype.forEach.call(headers, function (th, col) {
    var button = th.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var direction = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
      Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', direction);
      sortBy(col, th.getAttribute('data-type') === 'number', direction === 'ascending' ? 1 : -1);
    });
  });
  statusFilter.addEventListener('change', applyFilter);
  textFilter.addEventListener('input', applyFilter);
  controls.hidden = false;
  applyFilter();
})();
`;
