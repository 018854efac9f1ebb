/* Sweetspot: progressive enhancement for portfolio tables. Without JavaScript the tables
   are plain, complete and readable; with it they sort (tablesort, vendored) and filter. */
(function () {
  "use strict";

  function enhance(root) {
    var tables = root.querySelectorAll("article table:not([class])");
    tables.forEach(function (table) {
      if (table.dataset.ssSortable) { return; }
      table.dataset.ssSortable = "1";
      if (window.Tablesort) { new window.Tablesort(table); }
    });
    root.querySelectorAll("[data-ss-filter]").forEach(function (wrapper) {
      if (wrapper.querySelector(".ss-filter")) { return; }
      var table = wrapper.querySelector("table");
      if (!table) { return; }
      var label = document.createElement("label");
      label.className = "ss-filter";
      label.textContent = "Filter proposals ";
      var input = document.createElement("input");
      input.type = "search";
      input.placeholder = "title, team, stage, quadrant…";
      input.setAttribute("aria-label", "Filter proposals");
      label.appendChild(input);
      var count = document.createElement("span");
      count.className = "ss-filter-count";
      count.setAttribute("aria-live", "polite");
      label.appendChild(count);
      wrapper.insertBefore(label, wrapper.firstChild);
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        var shown = 0;
        rows.forEach(function (row) {
          var text = row.textContent.toLowerCase();
          var match = words.every(function (w) { return text.indexOf(w) !== -1; });
          row.hidden = !match;
          if (match) { shown += 1; }
        });
        count.textContent = words.length ? " " + shown + " of " + rows.length + " shown" : "";
      });
    });
  }

  // Material's instant navigation swaps pages without a reload: re-run on each page.
  if (window.document$ && window.document$.subscribe) {
    window.document$.subscribe(function () { enhance(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  }
})();
