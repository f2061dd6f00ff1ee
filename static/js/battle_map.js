// 挂图作战: draws each chart from the numbers the page carries (the same
// numbers are printed as tables under each chart), opens a township's or
// village's map when its bar is clicked, and prints the page.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var COLOURS = ["#c0392b", "#2e86c1", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d"];
  var STACK = { "计划": "#bdc3c7", "实施中": "#f39c12", "已落实": "#27ae60" };
  var charts = [];
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", "Microsoft YaHei", "PingFang SC", "Noto Sans SC", sans-serif';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function colour(dataset, index, type) {
    if (type === "stacked" && STACK[dataset.label]) return STACK[dataset.label];
    return COLOURS[index % COLOURS.length];
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var stacked = spec.type === "stacked";
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (dataset, index) {
      var c = colour(dataset, index, spec.type);
      return {
        label: dataset.label, data: dataset.data, backgroundColor: c, borderColor: c,
        borderWidth: line ? 2 : 0, tension: 0, pointRadius: line ? 3 : 0
      };
    });
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 } };
    scales[valueAxis === "x" ? "y" : "x"] = { stacked: stacked, ticks: { autoSkip: false } };
    var chart = new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        scales: scales,
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        onHover: function (event, elements) {
          canvas.style.cursor = spec.urls && elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!spec.urls) return;
          var hit = elements.length ? elements : chart.getElementsAtEventForMode(event, "index", { intersect: false }, false);
          if (hit.length) window.location.href = spec.urls[hit[0].index];
        }
      }
    });
    canvas.chart = chart;
    charts.push(chart);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);

  // Printing: charts redraw at the paper's width, and back afterwards.
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
