// The key-account programme's forms: a filter box for long selects, the candidate's numbers
// beside the nominate form, and the job description's criteria rows with a live weight total.
// Every form works without this script; it only makes them quicker to use.
(function () {
  "use strict";

  // --- a text box that narrows a long <select> -------------------------------------------
  document.querySelectorAll(".ka-select-filter").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-for"));
    if (!select) return;
    input.classList.remove("d-none");
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var text = option.text.toLowerCase();
        var shown = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !shown && !option.selected;
        if (shown && !first) first = option;
      });
      if (first && words.length && select.selectedIndex <= 0) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });

  // --- the nominate form: show the chosen candidate's reason and numbers ---------------------
  // The search box replaces the select with the matching customers; one match is chosen at once.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var select = document.getElementById("id_customer");
    if (!select || event.detail.target.id !== "id_customer") return;
    var choices = Array.prototype.filter.call(select.options, function (o) { return o.value && !o.disabled; });
    if (!select.value && choices.length === 1) {
      select.value = choices[0].value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // (delegated: the select is replaced by each search)
  document.addEventListener("change", function (event) {
    if (event.target.id !== "id_customer") return;
    document.querySelectorAll("[data-candidate-for]").forEach(function (box) {
      box.classList.toggle("d-none", box.getAttribute("data-candidate-for") !== event.target.value);
    });
  });

  // --- the job description's criteria --------------------------------------------------------
  var rows = document.getElementById("criteria-rows");
  if (!rows) return;
  var prefix = rows.getAttribute("data-prefix");
  var totalForms = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var template = document.getElementById("criterion-template");
  var addButton = document.getElementById("add-criterion");
  var total = document.getElementById("criteria-total");
  var totalValue = document.getElementById("criteria-total-value");
  var totalText = document.getElementById("criteria-total-text");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

  function parse(value) {
    var number = parseFloat(String(value).replace(",", "."));
    return isNaN(number) ? 0 : number;
  }

  function liveRows() {
    return Array.prototype.filter.call(rows.querySelectorAll("[data-criterion]"), function (row) {
      return !row.hidden;
    });
  }

  function updateTotal() {
    var sum = 0;
    liveRows().forEach(function (row) {
      var weight = row.querySelector(".ka-weight");
      if (weight) sum += parse(weight.value);
    });
    sum = Math.round(sum * 100) / 100;
    var gap = Math.round(Math.abs(100 - sum) * 100) / 100;
    totalValue.textContent = format.format(sum) + "%";
    total.classList.toggle("ka-total-ok", sum === 100);
    total.classList.toggle("ka-total-bad", sum !== 100);
    var text = sum === 100 ? total.getAttribute("data-ok-text")
      : (sum < 100 ? total.getAttribute("data-short-text") : total.getAttribute("data-over-text"));
    totalText.textContent = text.replace("%(gap)s", format.format(gap)).replace(/%%/g, "%");
  }

  function syncMetric(row) {
    var kind = row.querySelector(".ka-kind");
    var metric = row.querySelector("[data-metric]");
    if (kind && metric) metric.classList.toggle("ka-metric-hidden", kind.value !== "measured");
  }

  rows.querySelectorAll("[data-criterion]").forEach(function (row) {
    var remove = row.querySelector("input[name$='-DELETE']");
    if (remove && remove.checked) row.hidden = true;
    syncMetric(row);
  });

  rows.addEventListener("input", function (event) {
    if (event.target.classList.contains("ka-weight")) updateTotal();
  });
  rows.addEventListener("change", function (event) {
    if (event.target.classList.contains("ka-kind")) syncMetric(event.target.closest("[data-criterion]"));
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-criterion]");
    if (!button) return;
    var row = button.closest("[data-criterion]");
    var remove = row.querySelector("input[name$='-DELETE']");
    if (remove) remove.checked = true;
    row.hidden = true;
    updateTotal();
    var next = liveRows()[0];
    if (next) next.querySelector("input").focus(); else addButton.focus();
  });

  addButton.classList.remove("d-none");
  addButton.addEventListener("click", function () {
    var index = parseInt(totalForms.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    rows.appendChild(row);
    totalForms.value = String(index + 1);
    syncMetric(row);
    row.querySelector("input").focus();
    updateTotal();
  });

  updateTotal();
})();
