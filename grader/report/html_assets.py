"""The style sheet and the script of report.html (grader/report/html.py), inlined in the file:
the report is one self-contained file that loads nothing (its Content-Security-Policy allows
exactly these two blocks, by hash, and nothing else)."""

from __future__ import annotations

STYLE = """
:root { --pass: #2e7d32; --fail: #c62828; --skip: #f9a825; --error: #6a1b9a; --none: #e0e0e0; }
body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 0.8em; max-width: 80em;
  color: #212121; }
h1 { font-size: 1.4em; margin: 0.2em 0; } h2 { font-size: 1.15em; margin-top: 1.4em; }
.facts { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; padding: 0; list-style: none; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; }
th, td { padding: 0.15em 0.4em; text-align: left; white-space: nowrap; }
th[data-sort] { cursor: pointer; text-decoration: underline dotted; }
#grid td.c { width: 1.1em; min-width: 1.1em; padding: 0; border: 1px solid #fff; }
#grid th.c { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal;
  font-size: 0.75em; padding: 0.2em 0; }
#grid td.c a { display: block; height: 1.3em; }
#grid .sticky { position: sticky; left: 0; background: #fff; z-index: 1; }
.pass { background: var(--pass); } .fail { background: var(--fail); }
.skip { background: var(--skip); } .error { background: var(--error); }
.none { background: var(--none); }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.2em 0 0.8em;
  vertical-align: middle; }
.bar { display: inline-block; height: 0.9em; background: #1565c0; vertical-align: middle; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5em; margin: 0.5em 0; }
.controls input, .controls select { font-size: 1em; padding: 0.25em; }
details { border-top: 1px solid #ddd; padding: 0.3em 0; }
summary { cursor: pointer; }
pre { white-space: pre-wrap; word-break: break-word; background: #f5f5f5; padding: 0.4em;
  margin: 0.2em 0 0.6em; font-size: 0.85em; max-height: 20em; overflow: auto; }
dt { font-weight: bold; } dd { margin: 0 0 0.3em 0; }
.status-error { color: var(--error); } .status-pending { color: #757575; }
@media (max-width: 40em) { body { font-size: 14px; padding: 0.4em; } }
"""

# Sorting (click a header with data-sort) and filtering (text and status) of the tables.
SCRIPT = """
(function () {
  function key(row, index, numeric) {
    var cell = row.cells[index]; var text = cell ? (cell.dataset.value || cell.textContent) : "";
    if (!numeric) return text.toLowerCase();
    var number = parseFloat(text); return isNaN(number) ? -Infinity : number;
  }
  document.querySelectorAll("table").forEach(function (table) {
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0]; var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.dataset.sort === "number"; var up = th.dataset.dir !== "up";
        th.dataset.dir = up ? "up" : "down";
        rows.sort(function (a, b) {
          var x = key(a, th.cellIndex, numeric), y = key(b, th.cellIndex, numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var text = document.getElementById("filter"), status = document.getElementById("status");
  function filter() {
    var wanted = text.value.toLowerCase(), only = status.value;
    document.querySelectorAll("#grid tbody tr").forEach(function (row) {
      var show = row.dataset.search.indexOf(wanted) >= 0 &&
        (only === "" || row.dataset.status === only ||
         (only === "failing" && row.dataset.failing === "1"));
      row.hidden = !show;
    });
  }
  text.addEventListener("input", filter); status.addEventListener("change", filter);
})();
"""
