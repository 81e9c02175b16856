// Charts of the insights pages. Each <canvas data-chart="..." data-source="id"> reads
// its numbers from a json_script block (the same numbers as the table under it);
// no inline script, so the CSP holds. Works on full pages and on htmx-loaded tabs.
(function () {
  "use strict";
  if (window.relasiInsightsCharts) {
    window.relasiInsightsCharts.drawAll(document);
    return;
  }
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var brand = "#0f766e";
  var segmentColours = {
    champion: "#14b8a6",
    loyal: "#10b981",
    potential_loyalist: "#0ea5e9",
    new_customer: "#8b5cf6",
    promising: "#eab308",
    need_attention: "#f97316",
    about_to_sleep: "#94a3b8",
    cant_lose_them: "#dc2626",
    at_risk: "#f43f5e",
    hibernating: "#6b7280"
  };

  function money(value) {
    if (value === null || value === undefined) return "";
    return new Intl.NumberFormat(document.documentElement.lang || undefined, { notation: "compact", maximumFractionDigits: 1 }).format(value);
  }

  var builders = {
    trend: function (data) {
      return {
        data: {
          labels: data.labels,
          datasets: [
            { type: "line", label: data.names.revenue_12m, data: data.revenue_12m, borderColor: brand, backgroundColor: brand, tension: 0.25, spanGaps: true, yAxisID: "y", pointRadius: 2 },
            { type: "bar", label: data.names.monthly, data: data.monthly, backgroundColor: "#fcd34d", borderRadius: 3, yAxisID: "y" }
          ]
        },
        options: {
          scales: { x: { grid: { display: false } }, y: { beginAtZero: true, ticks: { callback: money } } }
        }
      };
    },
    segments: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: [{ label: data.names.revenue_12m, data: data.revenue_12m, backgroundColor: data.keys.map(function (k) { return segmentColours[k] || "#94a3b8"; }), borderRadius: 3 }]
        },
        options: {
          indexAxis: "y",
          scales: { x: { beginAtZero: true, ticks: { callback: money } }, y: { grid: { display: false } } },
          plugins: { legend: { display: false } }
        }
      };
    }
  };

  function draw(canvas) {
    if (!window.Chart || canvas.getAttribute("data-drawn")) return;
    var source = document.getElementById(canvas.getAttribute("data-source"));
    var build = builders[canvas.getAttribute("data-chart")];
    if (!source || !build) return;
    var config = build(JSON.parse(source.textContent));
    config.type = config.type || "bar";
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.animation = still ? false : { duration: 400 };
    config.options.interaction = { mode: "index", intersect: false };
    config.options.plugins = Object.assign({ legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } } }, config.options.plugins || {});
    canvas.setAttribute("data-drawn", "1");
    new window.Chart(canvas, config);
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("canvas[data-chart]"), draw);
  }

  window.relasiInsightsCharts = { drawAll: drawAll };
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
