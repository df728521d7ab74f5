// Sorting and filtering of the alert table; nothing is fetched, everything is in the page.
(function () {
  "use strict";
  var table = document.getElementById("alerts-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("alert-filter");
  var decision = document.getElementById("decision-filter");
  var shown = document.getElementById("alerts-shown");

  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }

  function filter() {
    var needle = text.value.trim().toLowerCase();
    var wanted = decision.value;
    var count = 0;
    rows.forEach(function (row) {
      var match = (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1) &&
        (!wanted || row.getAttribute("data-decision") === wanted);
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = String(count);
  }

  function sortBy(header) {
    var index = header.cellIndex;
    var numeric = header.getAttribute("data-sort") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (numeric && isNaN(x)) { return 1; }
      if (numeric && isNaN(y)) { return -1; }
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.querySelectorAll("th.sortable"), function (th) {
    th.addEventListener("click", function () { sortBy(th); });
  });
  text.addEventListener("input", filter);
  decision.addEventListener("change", filter);
  filter();
}());
