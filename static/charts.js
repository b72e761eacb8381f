// Draws every chart of apps/analytics/charts.py on the page: a <canvas data-chart="ID"> with its
// spec in <script type="application/json" id="ID"> (json_script: the CSP forbids inline scripts).
// Chart.js comes from the npm package through staticfiles. htmx.onLoad draws the page and again
// whatever htmx swaps in; a canvas already drawn is left as it is.
(function () {
  "use strict";

  // Bootstrap's palette, in an order that keeps neighbouring series apart.
  var COLOURS = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#20c997", "#ffc107",
    "#6c757d", "#d63384", "#0dcaf0"];

  function axis(title, extra) {
    return Object.assign(title ? { title: { display: true, text: title } } : {}, extra || {});
  }

  function config(spec) {
    var round = spec.type === "doughnut" || spec.type === "pie";
    var datasets = spec.series.map(function (series, i) {
      var colour = COLOURS[i % COLOURS.length];
      return {
        label: series.label,
        data: series.values,
        backgroundColor: round ? spec.labels.map(function (_, j) { return COLOURS[j % COLOURS.length]; }) : colour,
        borderColor: colour,
        spanGaps: true,
        tension: 0.2,
      };
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false };
    if (!round) {
      var value = axis(spec.y_title, { beginAtZero: true, stacked: spec.stacked });
      var category = axis(spec.x_title, { stacked: spec.stacked });
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal ? { x: value, y: category } : { x: category, y: value };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || window.Chart.getChart(canvas)) return;
      new window.Chart(canvas, config(JSON.parse(source.textContent)));
      canvas.dataset.drawn = "true";
    });
  }

  if (window.htmx) htmx.onLoad(draw);
  else draw(document.body);
})();
