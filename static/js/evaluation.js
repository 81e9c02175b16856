// The evaluation scoring form: a live weighted total while the GM scores. The server computes
// the real total when the draft is saved; the page works without this script.
(function () {
  "use strict";

  var form = document.getElementById("evaluation-form");
  var live = document.getElementById("live-total");
  if (!form || !live) return;
  var value = document.getElementById("live-total-value");
  var label = document.getElementById("live-total-label");
  var lang = document.documentElement.lang || undefined;
  var twoPlaces = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function scoreOf(row) {
    var checked = row.querySelector("input[data-score]:checked");
    var select = row.querySelector("select[data-score]");
    var text = checked ? checked.value : (select ? select.value : "");
    var score = parseInt(text, 10);
    return isNaN(score) ? null : score;
  }

  function update() {
    var rows = form.querySelectorAll("[data-criterion]");
    var weights = 0;
    var points = 0;
    var scored = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var weight = parseFloat(row.getAttribute("data-weight"));
      var score = scoreOf(row);
      if (score === null || isNaN(weight)) return;
      scored += 1;
      weights += weight;
      points += weight * score;
    });
    if (rows.length && scored === rows.length && weights > 0) {
      // Half up to two decimals, as the server rounds.
      var total = Math.round((points / weights) * 100 + 1e-9) / 100;
      value.textContent = twoPlaces.format(total);
      label.textContent = live.getAttribute("data-label-text");
    } else {
      value.textContent = "—";
      label.textContent = live.getAttribute("data-pending-text")
        .replace("%(scored)s", String(scored))
        .replace("%(count)s", String(rows.length));
    }
  }

  form.addEventListener("change", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-score")) update();
  });
  update();
})();
