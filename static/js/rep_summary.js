// The contact summary's two charts. The numbers come from the page's
// json_script block (the same numbers as its tables); no inline script.
(function () {
  "use strict";
  var source = document.getElementById("summary-data");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Relationship contacts in the brand colour: the point of the page.
  var colours = {
    relationship: "#0f766e",
    order: "#f59e0b",
    service: "#60a5fa",
    problem: "#ef4444",
    proposal: "#a78bfa",
    phone: "#0ea5e9",
    visit: "#0f766e",
    mail: "#a16207",
    email: "#6366f1",
    web: "#ec4899",
    event: "#f59e0b"
  };

  function draw(id, series) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.weeks,
        datasets: series.map(function (item) {
          return { label: item.label, data: item.data, backgroundColor: colours[item.key] || "#94a3b8", borderRadius: 3 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 400 },
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } } }
      }
    });
  }

  draw("chart-purposes", data.purposes);
  draw("chart-channels", data.channels);
})();
