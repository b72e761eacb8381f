// The backtest page's charts (Chart.js from npm), drawn from the results the page carries in
// <script type="application/json" id="backtest-results"> (json_script): the CSP forbids inline
// scripts. htmx.onLoad runs for the page and again when the polled body arrives finished.
(function () {
  "use strict";

  var DECILES = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

  function axis(title, extra) {
    return Object.assign({ title: { display: true, text: title } }, extra || {});
  }

  function perDecile(entry, key, type) {
    return {
      type: type,
      data: {
        labels: DECILES,
        datasets: entry.scorers.map(function (scorer) {
          return {
            label: scorer.label,
            data: scorer.deciles.map(function (row) { return row[key]; }),
            spanGaps: true,
          };
        }),
      },
      options: {
        scales: {
          x: axis("Score decile (1 = highest)"),
          y: axis(key === "lift" ? "Lift" : "Observed rate", { beginAtZero: true }),
        },
      },
    };
  }

  var CHARTS = {
    roc: function (entry) {
      var datasets = entry.scorers.map(function (scorer) {
        var auc = scorer.auc === null ? "n/a" : scorer.auc.toFixed(3);
        return {
          label: scorer.label + " (AUC " + auc + ")",
          data: scorer.roc.map(function (p) { return { x: p[0], y: p[1] }; }),
          showLine: true,
          pointRadius: 0,
        };
      });
      datasets.push({
        label: "Chance",
        data: [{ x: 0, y: 0 }, { x: 1, y: 1 }],
        showLine: true,
        pointRadius: 0,
        borderDash: [4, 4],
        borderColor: "#adb5bd",
      });
      return {
        type: "scatter",
        data: { datasets: datasets },
        options: {
          scales: {
            x: axis("False-positive rate", { min: 0, max: 1 }),
            y: axis("True-positive rate", { min: 0, max: 1 }),
          },
        },
      };
    },
    lift: function (entry) { return perDecile(entry, "lift", "bar"); },
    calibration: function (entry) { return perDecile(entry, "observed_rate", "line"); },
  };

  function draw(root) {
    var source = document.getElementById("backtest-results");
    if (!source || !window.Chart) return;
    var results = JSON.parse(source.textContent);
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var entry = results.buyers[canvas.dataset.buyer];
      if (!entry || window.Chart.getChart(canvas)) return;
      new window.Chart(canvas, CHARTS[canvas.dataset.chart](entry));
      canvas.dataset.drawn = "true";
    });
  }

  if (window.htmx) htmx.onLoad(draw);
  else draw(document.body);
})();
