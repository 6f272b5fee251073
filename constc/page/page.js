// The page's behaviour: draw the Vega-Lite plots, sort and filter the tables, offer the
// JSON report for download. The text is already on the page; this only adds to it.
(function () {
  "use strict";
  // the report and the plot specs are embedded as gzip + base64 (constc/page/__init__.py)
  async function unpack(id) {
    const text = document.getElementById(id).textContent.trim();
    const bytes = Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  // points and bars Vega drew in the plot area (legends excluded): what the test checks
  function countMarks(node) {
    let n = 0;
    (node.items || []).forEach(function (item) {
      if (item.marktype && item.role === "mark" && (item.marktype === "symbol" || item.marktype === "rect")) {
        n += (item.items || []).length;
      } else {
        n += countMarks(item);
      }
    });
    return n;
  }

  function draw(el, spec) {
    // canvas: a 200-principle plot is thousands of marks, which SVG lays out slowly
    vegaEmbed(el, spec, { renderer: "canvas", actions: false })
      .then(function (result) {
        el.dataset.marks = String(countMarks(result.view.scenegraph().root));
        el.dataset.drawn = "true";
      })
      .catch(function (err) { console.error("constc: plot " + el.dataset.chart + " failed: " + err); });
  }

  // the plots on the first screen are drawn at once (a screenshot or a reader never waits
  // for an intersection event); each one further down is drawn when it first comes near
  // the screen, so a plot far below costs nothing until the reviewer scrolls to it
  unpack("constc-specs").then(function (text) {
    const specs = JSON.parse(text);
    const seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        seen.unobserve(entry.target);
        draw(entry.target, specs[entry.target.dataset.chart]);
      });
    }, { rootMargin: "400px" });
    document.querySelectorAll(".chart").forEach(function (el) {
      if (el.getBoundingClientRect().top < window.innerHeight + 400) draw(el, specs[el.dataset.chart]);
      else seen.observe(el);
    });
  }).catch(function (err) { console.error("constc: the plots could not be unpacked: " + err); });

  function cellValue(row, i, numeric) {
    const cell = row.cells[i];
    const raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
    return numeric ? parseFloat(raw) : raw.toLowerCase();
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, i) {
      th.setAttribute("aria-sort", "none");
      th.addEventListener("click", function () {
        const numeric = th.dataset.type === "number";
        const up = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        const body = table.tBodies[0];
        Array.from(body.rows)
          .sort(function (a, b) {
            const x = cellValue(a, i, numeric), y = cellValue(b, i, numeric);
            return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
          })
          .forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  document.querySelectorAll("input.filter").forEach(function (input) {
    const table = document.getElementById(input.dataset.table);
    input.addEventListener("input", function () {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      Array.from(table.tBodies[0].rows).forEach(function (row) {
        const text = row.textContent.toLowerCase();
        row.hidden = !words.every(function (w) { return text.includes(w); });
      });
    });
  });

  unpack("constc-report").then(function (text) {
    window.constcReport = JSON.parse(text);
    const link = document.getElementById("download");
    if (link) link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  }).catch(function (err) { console.error("constc: the report could not be unpacked: " + err); });
})();
