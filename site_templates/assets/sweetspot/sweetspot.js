/* Sweetspot: progressive enhancement. Without JavaScript every table is plain, complete and
   readable, the portfolio chart is a static SVG and large tables are paged on their own
   pages. With it, tables sort (by mouse or keyboard) and the portfolio page's filter bar
   drives the chart and the proposals table together, from portfolio/rows.json. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var PARAMS = ["q", "stage", "state", "class", "compliance", "flag", "tag", "unit", "team",
    "open"];
  var FEW = 60; // at most this many filtered proposals are drawn as markers in density mode
  // The states, in the engine's order, and the rows a page shows come from the page itself:
  // the keys of rows.json's "states", and the number of rows the static table was built with.

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function num(v) { return Math.round(v).toLocaleString("en"); }

  /* -- Sorting by keyboard and mouse: the one sorter of every sortable table ------------- */

  // The number a cell starts with ("1,250", "$3.5M", "45%", "12 of 37"), or null.
  var NUMBER = /^[^\d\-+.]{0,3}([-+]?(?:\d[\d,]*)?\.?\d+)/;
  function numberIn(text) {
    var match = NUMBER.exec(text);
    return match ? parseFloat(match[1].replace(/,/g, "")) : null;
  }

  function cellValue(cell) {
    if (!cell) { return ""; }
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  }

  // The engine's own tables mark numeric columns (data-type="num"); a column of a Markdown
  // table (no class) is numeric when its first three cells with a letter or digit (a dash
  // for "none" does not count) start with a number.
  function isNumeric(table, th, index) {
    if (table.className) { return th.dataset.type === "num"; }
    var seen = [];
    Array.prototype.some.call(table.tBodies[0].rows, function (row) {
      var value = cellValue(row.cells[index]);
      if (/[0-9A-Za-z]/.test(value)) { seen.push(value); }
      return seen.length === 3;
    });
    return seen.length > 0 && seen.every(function (v) { return numberIn(v) !== null; });
  }

  // Header cells get a button, so Tab reaches them and Enter or Space sorts (a click anywhere
  // in the cell does too); aria-sort tells screen readers the order. Numbers sort high first
  // on the first press, text A to Z; a second press reverses. A header with
  // data-sort-method="none" stays as it is.
  function sortable(table, onSort) {
    var headers = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      if (th.querySelector("button.ss-sort") || th.dataset.sortMethod === "none") { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ss-sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      // Material draws its sort icons on Markdown tables' headers with this role.
      if (!table.className) { th.setAttribute("role", "columnheader"); }
      th.addEventListener("click", function () {
        var now = th.getAttribute("aria-sort");
        var numeric = isNumeric(table, th, index);
        var descending = now ? now === "ascending" : numeric;
        Array.prototype.forEach.call(headers, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        onSort(th, index, descending, numeric);
      });
    });
  }

  // Tables whose rows are all on the page: sort them in place. Equal values keep their order;
  // a cell without a number counts as lower than every number.
  function sortRowsInPlace(table) {
    sortable(table, function (th, index, descending, numeric) {
      var body = table.tBodies[0];
      var rows = Array.prototype.map.call(body.rows, function (row, position) {
        var value = cellValue(row.cells[index]);
        return { row: row, position: position, key: numeric ? numberIn(value) : value };
      });
      rows.sort(function (a, b) {
        var order;
        if (!numeric) {
          order = a.key.localeCompare(b.key);
        } else if (a.key === null || b.key === null) {
          order = (a.key === null ? -1 : 0) - (b.key === null ? -1 : 0);
        } else {
          order = a.key - b.key;
        }
        return (descending ? -order : order) || a.position - b.position;
      });
      rows.forEach(function (entry) { body.appendChild(entry.row); });
    });
  }

  /* -- The portfolio page's filter bar -------------------------------------------------- */

  function load(data) {
    var f = {};
    data.fields.forEach(function (name, i) { f[name] = i; });
    return data.rows.map(function (r) {
      var flags = r[f.flags].map(function (i) { return data.flag_ids[i]; });
      var row = {
        id: r[f.id], title: r[f.title], team: r[f.team], stage: r[f.stage],
        state: r[f.state], impact: r[f.impact], risk: r[f.delivery_risk],
        impactRange: r[f.impact_range], riskRange: r[f.delivery_risk_range],
        priority: r[f.priority], riskClass: r[f.risk_class], flags: flags,
        red: r[f.red_flags].length, tags: r[f.tags], org: r[f.org].join("/"),
        openMask: r[f.open],
        confidence: r[f.confidence], rank: r[f.rank], active: r[f.active] === 1,
        // Reconsider because of a red flag, wherever the scores place it.
        byRedFlag: r[f.by_red_flag] === 1,
        // Risk, the stakes figure (null until assessed); "risk" above is delivery risk.
        riskFigure: r[f.risk], riskReason: r[f.risk_reason] || "",
        likely: f.likely_class === undefined ? null : r[f.likely_class],
        riskLabel: f.risk_label === undefined ? null : r[f.risk_label],
        // The worst compliance state under the enabled regimes ("gap" first).
        compliance: f.compliance === undefined ? null : r[f.compliance]
      };
      row.text = [row.id, row.title, row.team, row.stage, data.states[row.state],
        data.classes[row.riskClass] || "", row.tags.join(" "), row.org].join(" ").toLowerCase();
      return row;
    });
  }

  // Open pitfall items come as a hex bit mask: item i is bit i % 4 of digit i / 4.
  function isOpen(mask, i) {
    if (i < 0 || (i >> 2) >= mask.length) { return false; }
    return ((parseInt(mask.charAt(i >> 2), 16) >> (i & 3)) & 1) === 1;
  }

  function matcher(filters, items) {
    var openIndex = filters.open ? items.indexOf(filters.open) : -1;
    var words = (filters.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    return function (row) {
      if (filters.stage && row.stage !== filters.stage) { return false; }
      if (filters.state && row.state !== filters.state) { return false; }
      // "likely:high" selects those whose words suggest a class above the one they have.
      if (filters["class"] && filters["class"].indexOf("likely:") === 0) {
        if (row.likely !== filters["class"].slice(7)) { return false; }
      } else if (filters["class"] && row.riskClass !== filters["class"]) { return false; }
      if (filters.compliance && row.compliance !== filters.compliance) { return false; }
      if (filters.team && row.team !== filters.team) { return false; }
      if (filters.tag && row.tags.indexOf(filters.tag) === -1) { return false; }
      if (filters.unit && row.org !== filters.unit &&
          row.org.indexOf(filters.unit + "/") !== 0) { return false; }
      if (filters.open && !isOpen(row.openMask, openIndex)) { return false; }
      if (filters.flag === "red" && !row.red) { return false; }
      if (filters.flag === "any" && !row.flags.length) { return false; }
      if (filters.flag && filters.flag !== "red" && filters.flag !== "any" &&
          row.flags.indexOf(filters.flag) === -1) { return false; }
      return words.every(function (w) { return row.text.indexOf(w) !== -1; });
    };
  }

  function stateName(row, data) {
    return data.states[row.state] + (row.byRedFlag ? " (red flag)" : "");
  }

  function tableRow(row, data, url) {
    var cls = row.riskLabel || data.classes[row.riskClass] || row.riskClass;
    return "<tr data-proposal=\"" + esc(row.id) + "\">" +
      "<td>" + row.rank + "</td>" +
      "<td><a href=\"" + esc(url.replace("{id}", row.id)) + "\">" +
      esc(row.title) + "</a></td>" +
      "<td><span class=\"ss-badge ss-q-" + esc(row.state) + "\">" +
      esc(stateName(row, data)) + "</span></td>" +
      "<td>" + num(row.priority) + "</td>" +
      "<td>" + num(row.impact) + "<span class=\"ss-range\"> " +
      num(row.impactRange[0]) + "–" + num(row.impactRange[1]) + "</span></td>" +
      "<td>" + num(row.risk) + "<span class=\"ss-range\"> " +
      num(row.riskRange[0]) + "–" + num(row.riskRange[1]) + "</span></td>" +
      "<td>" + (row.riskFigure === null ? "–" : num(row.riskFigure)) +
      " <span class=\"ss-badge ss-class-" + esc(row.riskClass) +
      (row.likely ? " ss-likely-" + esc(row.likely) : "") + "\">" + esc(cls) +
      "</span><span class=\"ss-range\"> " + esc(row.riskReason) + "</span></td>" +
      "<td>" + row.flags.length +
      (row.red ? " <span class=\"ss-red\">" + row.red + " red</span>" : "") + "</td>" +
      "<td>" + Math.round(row.confidence * 100) + "%</td>" +
      "<td>" + esc(row.team) + "</td>" +
      "<td>" + (row.active ? esc(row.stage) :
        "<span class=\"ss-value\">" + esc(row.stage) +
        " <span class=\"ss-inactive\">(inactive)</span></span>") + "</td></tr>";
  }

  // Sort keys of the live table; the states sort in the engine's order (rows.json "states").
  var SORT_KEYS = {
    rank: function (r) { return r.rank; }, title: function (r) { return r.title; },
    state: function (r, states) { return states.indexOf(r.state); },
    priority: function (r) { return r.priority; }, impact: function (r) { return r.impact; },
    delivery_risk: function (r) { return r.risk; }, risk: function (r) { return r.riskFigure === null ? -1 : r.riskFigure; },
    flags: function (r) { return r.red * 1000 + r.flags.length; },
    confidence: function (r) { return r.confidence; }, team: function (r) { return r.team; },
    stage: function (r) { return r.stage; }
  };

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // The chart follows the filters: in points mode markers not matching are hidden; in
  // density mode the cells are counted again and up to FEW matching proposals are drawn.
  function Chart(svg, data, url) {
    var g = {
      left: +svg.dataset.left, top: +svg.dataset.top, w: +svg.dataset.plotW,
      h: +svg.dataset.plotH, stripY: +svg.dataset.stripY, stripH: +svg.dataset.stripH,
      grid: +svg.dataset.grid
    };
    var density = svg.dataset.mode === "density";
    var points = Array.prototype.slice.call(svg.querySelectorAll("a.ss-point"));
    var cells = svg.querySelector("g.ss-cells");
    var layer = el("g", { "class": "ss-points ss-js-points" });
    // Below the quadrants' names, which stay readable above every marker.
    svg.insertBefore(layer, svg.querySelector("g.ss-quadrant-names"));
    // Each stage's marker as the legend draws it, so the two always match.
    var shapes = {};
    document.querySelectorAll(".ss-legend-item[data-stage] path").forEach(function (path) {
      shapes[path.closest("[data-stage]").dataset.stage] = {
        d: path.getAttribute("d"), filled: path.classList.contains("ss-filled")
      };
    });
    // What a marker covers, from its centre in SVG units: its halo, or its red-flag ring.
    var HALO = 9, RING = 13;

    function centre(a) {
      var g = a.querySelector("g[transform]");
      var m = g ? /translate\(([-\d.]+)[ ,]+([-\d.]+)\)/.exec(g.getAttribute("transform")) : null;
      return m ? [+m[1], +m[2]] : null;
    }

    // A cell's count where no drawn marker covers it: the clear spot nearest the middle,
    // in steps of 1 unit (as chart.py places it); the middle when none is clear.
    function countX(cx, cy, cw, h, n, markers) {
      var half = String(n).length * 13 * 0.62 / 2 + 1, mid = cy + h / 2;
      var middle = cx + cw / 2, reach = Math.max(cw / 2 - half, 0), slots = [middle];
      for (var k = 1; k <= reach; k += 1) { slots.push(middle - k, middle + k); }
      for (var i = 0; i < slots.length; i += 1) {
        var clear = markers.every(function (m) {
          var r = m[2] ? RING : HALO;
          return m[0] + r <= slots[i] - half || m[0] - r >= slots[i] + half ||
            m[1] + r <= mid - 6 || m[1] - r >= mid + 7;
        });
        if (clear) { return slots[i]; }
      }
      return slots[0];
    }

    function x(risk) { return g.left + g.w * Math.min(Math.max(risk, 0), 100) / 100; }
    function y(impact) { return g.top + g.h * (1 - Math.min(Math.max(impact, 0), 100) / 100); }

    function drawCells(rows, markers) {
      while (cells.firstChild) { cells.removeChild(cells.firstChild); }
      var counts = {}, biggest = 1;
      rows.forEach(function (r) {
        var col = Math.min(Math.floor(Math.max(r.risk, 0) / 100 * g.grid), g.grid - 1);
        var row = r.state === "needs_information" ? "s" :
          Math.min(Math.floor((100 - Math.min(Math.max(r.impact, 0), 100)) / 100 * g.grid),
            g.grid - 1);
        var key = col + ":" + row;
        counts[key] = (counts[key] || 0) + 1;
        biggest = Math.max(biggest, counts[key]);
      });
      var cw = g.w / g.grid, ch = g.h / g.grid;
      Object.keys(counts).forEach(function (key) {
        var parts = key.split(":"), col = +parts[0], n = counts[key];
        var level = 1 + Math.min(4, Math.floor(4 * Math.log1p(n) / Math.log1p(biggest)));
        var cx = g.left + col * cw, cy, h;
        if (parts[1] === "s") { cy = g.stripY + 28; h = g.stripH - 34; } else {
          cy = g.top + (+parts[1]) * ch; h = ch;
        }
        var group = el("g", { "class": "ss-cell ss-d" + level });
        group.appendChild(el("title", {}, n + " proposals"));
        group.appendChild(el("rect", { x: cx, y: cy, width: cw, height: h }));
        group.appendChild(el("text", { x: countX(cx, cy, cw, h, n, markers), y: cy + h / 2 + 5,
          "text-anchor": "middle" }, String(n)));
        cells.appendChild(group);
      });
    }

    this.update = function (rows, all) {
      var keep = {};
      rows.forEach(function (r) { keep[r.id] = true; });
      var drawn = {};
      points.forEach(function (a) {
        a.style.display = keep[a.dataset.proposal] ? "" : "none";
        drawn[a.dataset.proposal] = true;
      });
      while (layer.firstChild) { layer.removeChild(layer.firstChild); }
      if (!density) { return; }
      var markers = [];
      points.forEach(function (a) {
        var c = keep[a.dataset.proposal] ? centre(a) : null;
        if (c) { markers.push([c[0], c[1], a.classList.contains("ss-redflag")]); }
      });
      if (rows.length <= FEW && rows.length !== all) {
        rows.forEach(function (r) {
          if (drawn[r.id]) { return; }
          var px = x(r.risk), py = r.state === "needs_information" ? g.stripY + 46 : y(r.impact);
          var a = el("a", { "class": "ss-point ss-stage-" + r.stage +
            (r.red ? " ss-redflag" : ""), href: url.replace("{id}", r.id),
            "data-proposal": r.id });
          a.appendChild(el("title", {}, "#" + r.rank + ": " + r.title + " (" + r.stage + ", " +
            stateName(r, data) + "): impact " + num(r.impact) + ", delivery risk " +
            num(r.risk) + ", priority " + num(r.priority) + "; risk " +
            (r.riskFigure === null ? "not yet assessed" : num(r.riskFigure)) + " · " +
            (data.classes[r.riskClass] || r.riskClass)));
          var shape = shapes[r.stage] || shapes.idea ||
            { d: "M0,-6 A6,6 0 1,1 0,6 A6,6 0 1,1 0,-6 Z", filled: false };
          var m = el("g", { transform: "translate(" + px + " " + py + ")" });
          if (r.red) { m.appendChild(el("circle", { "class": "ss-ring", r: 11 })); }
          m.appendChild(el("path", { "class": "ss-halo", d: shape.d }));
          m.appendChild(el("path", { "class": "ss-marker" + (shape.filled ? " ss-filled" : ""),
            d: shape.d }));
          a.appendChild(m);
          layer.appendChild(a);
          markers.push([px, py, r.red > 0]);
        });
      }
      drawCells(rows, markers);
    };
  }

  function filterBar(form) {
    if (form.dataset.ssReady) { return; }
    form.dataset.ssReady = "1";
    var svg = document.querySelector("svg.ss-quadrant-chart");
    var table = document.querySelector("table.ss-ptable");
    var summary = document.querySelector(".ss-chart-summary");
    var status = document.querySelector(".ss-table-status");
    if (!table) { return; }
    fetch(form.dataset.rows).then(function (r) {
      if (!r.ok) { throw new Error("rows.json: " + r.status); }
      return r.json();
    }).then(function (data) {
      var rows = load(data);
      var url = data.url;
      var states = Object.keys(data.states);
      var chart = svg ? new Chart(svg, data, url) : null;
      // The static table shows one page of rows; "Show more" adds as many again.
      var page = Math.max(1, table.tBodies[0].rows.length);
      var limit = page;
      var sortKey = "rank", descending = false;
      var body = table.tBodies[0];
      var more = document.createElement("button");
      more.type = "button";
      more.className = "ss-more";
      table.parentNode.parentNode.insertBefore(more, table.parentNode.nextSibling);
      table.dataset.ssLive = "1";

      // Filters from the address first (links from other pages carry them).
      var params = new URLSearchParams(location.search);
      PARAMS.forEach(function (name) {
        var control = form.elements[name], value = params.get(name);
        if (!control || value === null) { return; }
        if (control.tagName === "SELECT" &&
            !Array.prototype.some.call(control.options, function (o) { return o.value === value; })) {
          control.appendChild(new Option(value, value)); // e.g. a unit prefix or one flag id
        }
        control.value = value;
      });

      function current() {
        var filters = {};
        PARAMS.forEach(function (name) {
          var control = form.elements[name];
          if (control && control.value) { filters[name] = control.value; }
        });
        return filters;
      }

      // The table's order from the address too (?sort=priority&dir=desc), as it is kept.
      var sorted = params.get("sort");
      // Only a column of the table's own: any other value is ignored.
      var header = sorted && Object.prototype.hasOwnProperty.call(SORT_KEYS, sorted) ?
        table.querySelector("th[data-key=\"" + sorted + "\"]") : null;
      if (header) {
        sortKey = sorted;
        descending = params.get("dir") === "desc";
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      }

      function countStates(shown) {
        var counts = {};
        shown.forEach(function (r) { counts[r.state] = (counts[r.state] || 0) + 1; });
        return counts;
      }

      function describe(counts) {
        return states.map(function (s) { return data.states[s] + " " + (counts[s] || 0); })
          .join(", ");
      }

      // The states' counts listed under the chart follow the filters too.
      function legendCounts(counts, active) {
        document.querySelectorAll(".ss-state-count[data-state]").forEach(function (span) {
          var n = counts[span.dataset.state] || 0;
          span.textContent = active ? n + " of " + span.dataset.all + " match the filters" :
            span.dataset.all + ", all stages";
        });
      }

      function render() {
        var filters = current();
        var shown = rows.filter(matcher(filters, data.items));
        var key = SORT_KEYS[sortKey] || SORT_KEYS.rank;
        shown.sort(function (a, b) {
          var va = key(a, states), vb = key(b, states);
          var order = typeof va === "string" ? va.localeCompare(vb) : va - vb;
          return (descending ? -order : order) || a.rank - b.rank;
        });
        body.innerHTML = shown.slice(0, limit).map(function (r) {
          return tableRow(r, data, url);
        }).join("");
        var active = Object.keys(filters).length > 0;
        var what = active ? shown.length + " of " + rows.length + " proposals match the filters"
          : "All " + rows.length + " proposals";
        var counts = countStates(shown);
        if (summary) { summary.textContent = what + ": " + describe(counts) + "."; }
        legendCounts(counts, active);
        if (status) {
          status.textContent = what + "; showing " + Math.min(limit, shown.length) +
            (shown.length ? ", sorted by " + (table.querySelector("th[aria-sort]") ?
              table.querySelector("th[aria-sort]").textContent.trim() : "priority") : "") + ".";
        }
        more.hidden = shown.length <= limit;
        more.textContent = "Show " + Math.min(page, shown.length - limit) + " more";
        if (chart) { chart.update(shown, rows.length); }
        var address = new URLSearchParams(filters);
        if (sortKey !== "rank" || descending) {
          address.set("sort", sortKey);
          address.set("dir", descending ? "desc" : "asc");
        }
        var query = address.toString();
        history.replaceState(history.state, "",
          location.pathname + (query ? "?" + query : "") + location.hash);
      }

      sortable(table, function (th, index, desc) {
        sortKey = th.dataset.key;
        descending = desc;
        render();
      });
      more.addEventListener("click", function () { limit += page; render(); });
      form.addEventListener("input", function () { limit = page; render(); });
      form.addEventListener("change", function () { limit = page; render(); });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      form.addEventListener("reset", function () { setTimeout(render, 0); });
      form.hidden = false;
      document.querySelectorAll(".ss-js-only").forEach(function (n) { n.hidden = false; });
      render();
    }).catch(function (error) {
      // The static chart and table stay as they are; say why the filters are missing.
      if (status) { status.textContent += " (Filters unavailable: " + error.message + ")"; }
    });
  }

  /* -- Generic tables -------------------------------------------------------------------- */

  function enhance(root) {
    // Markdown tables (no class) and the static proposal tables share one sorter; on the
    // portfolio page the filter bar sorts its own table from rows.json instead.
    root.querySelectorAll("article table:not([class])").forEach(function (table) {
      if (table.dataset.ssSortable || !table.tHead || !table.tBodies.length) { return; }
      table.dataset.ssSortable = "1";
      sortRowsInPlace(table);
    });
    root.querySelectorAll("form.ss-filterbar").forEach(filterBar);
    root.querySelectorAll("table.ss-ptable").forEach(function (table) {
      if (table.dataset.ssSortable || document.querySelector("form.ss-filterbar")) { return; }
      table.dataset.ssSortable = "1";
      sortRowsInPlace(table);
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
