// Relationship plan pages: unsaved-changes warning, objective metric fields, the new-plan
// form, printing, and messages when an inline change fails. Every page works without it.
// Texts come from the page (data- attributes, json_script) so that they are translated.
(function () {
  "use strict";

  var root = document.getElementById("plan-root");

  function text(name, fallback) {
    return (root && root.getAttribute("data-" + name + "-text")) || fallback;
  }

  // -- unsaved changes ------------------------------------------------------------------
  function dirtyForms() {
    return document.querySelectorAll("form[data-track-changes][data-dirty]");
  }

  function refreshBadge(justSaved) {
    var unsaved = document.getElementById("unsaved-badge");
    var saved = document.getElementById("saved-badge");
    var dirty = dirtyForms().length > 0;
    if (unsaved) unsaved.hidden = !dirty;
    if (saved) {
      saved.hidden = dirty || !justSaved;
      if (justSaved && !dirty) {
        window.clearTimeout(refreshBadge.timer);
        refreshBadge.timer = window.setTimeout(function () { saved.hidden = true; }, 4000);
      }
    }
  }

  function markDirty(event) {
    var form = event.target.closest && event.target.closest("form[data-track-changes]");
    if (!form || form.hasAttribute("data-dirty")) return;
    form.setAttribute("data-dirty", "");
    refreshBadge(false);
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  window.addEventListener("beforeunload", function (event) {
    if (dirtyForms().length === 0) return;
    event.preventDefault();
    event.returnValue = text("leave", "");
    return event.returnValue;
  });

  // A form that is being submitted normally (not with htmx) leaves the page on purpose.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post")) return;
    dirtyForms().forEach(function (dirty) {
      if (dirty === form) dirty.removeAttribute("data-dirty");
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-clear-closest]")) {
      window.setTimeout(function () { refreshBadge(false); }, 0);
    }
    var print = event.target.closest && event.target.closest("[data-print]");
    if (print) window.print();
  });

  // -- objective metric: a measured metric needs no unit and no actual -------------------
  var baselines = {};
  var baselineData = document.getElementById("plan-baselines");
  if (baselineData) {
    try { baselines = JSON.parse(baselineData.textContent) || {}; } catch (error) { baselines = {}; }
  }

  function syncObjective(form) {
    var metric = form.querySelector("[data-objective-metric]");
    if (!metric) return;
    var measured = metric.value !== "manual";
    form.querySelectorAll("[data-manual-only]").forEach(function (block) { block.hidden = measured; });
    form.querySelectorAll("[data-measured-only]").forEach(function (block) { block.hidden = !measured; });
    var hint = form.querySelector("[data-baseline-hint]");
    var baseline = form.querySelector("input[name=baseline]");
    var last = measured ? baselines[metric.value] : null;
    if (hint) {
      hint.hidden = last === null || last === undefined;
      if (!hint.hidden) hint.textContent = text("baseline", "") + ": " + Number(last).toLocaleString(document.documentElement.lang || undefined);
    }
    if (baseline && last !== null && last !== undefined && baseline.value.trim() === "") {
      baseline.value = Number(last).toLocaleString(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });
    }
  }

  // -- the new-plan form: long-term or annual fields ------------------------------------
  function syncCreate(form) {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "annual";
    form.querySelectorAll("[data-kind-only]").forEach(function (block) {
      block.hidden = block.getAttribute("data-kind-only") !== kind;
    });
    var year = form.querySelector("input[name=start_year]");
    var yearLabel = year && form.querySelector('label[for="' + year.id + '"]');
    var wording = year && year.getAttribute("data-label-" + kind);
    if (yearLabel && wording && yearLabel.firstChild && yearLabel.firstChild.nodeType === 3) {
      yearLabel.firstChild.nodeValue = wording;
    }
    var account = form.querySelector("select[name=key_account]");
    var longTerm = form.querySelector("select[name=long_term_plan]");
    if (account && longTerm) {
      Array.prototype.forEach.call(longTerm.options, function (option) {
        var owner = option.getAttribute("data-key-account");
        option.hidden = Boolean(owner) && owner !== account.value;
        if (option.hidden && option.selected) longTerm.value = "";
      });
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-objective-metric]")) syncObjective(event.target.form);
    var create = event.target.closest && event.target.closest("form[data-plan-create]");
    if (create) syncCreate(create);
  });

  function enhance(scope) {
    scope.querySelectorAll("[data-objective-metric]").forEach(function (select) { syncObjective(select.form); });
    scope.querySelectorAll("form[data-plan-create]").forEach(syncCreate);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  if (document.readyState !== "loading") enhance(document);

  // -- htmx: new fragments, saves and failures ------------------------------------------
  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    if (element.querySelectorAll) enhance(element);
    if (element.classList && (element.classList.contains("row-form") || element.classList.contains("evidence-form"))) {
      element.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    var ok = event.detail.successful;
    window.setTimeout(function () {
      refreshBadge(ok && source.matches && source.matches("form[data-track-changes]"));
    }, 0);
  });

  function alertBox(message) {
    var area = document.getElementById("plan-alerts");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible fade show";
    box.setAttribute("role", "alert");
    box.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", text("close", ""));
    box.appendChild(close);
    area.replaceChildren(box);
    area.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
  // A strategy renamed or deleted: the actions showing it follow, in place (no reload
  // that could race with a form being opened meanwhile).
  document.body.addEventListener("planStrategyChanged", function (event) {
    var detail = event.detail || {};
    document.querySelectorAll('[data-strategy-chip="' + detail.pk + '"]').forEach(function (chip) {
      if (detail.title === null || detail.title === undefined) {
        chip.remove();
      } else {
        chip.querySelector("[data-strategy-title]").textContent = detail.title;
      }
    });
  });

  document.addEventListener("htmx:responseError", function () { alertBox(text("error", "")); });
  document.addEventListener("htmx:sendError", function () { alertBox(text("offline", "")); });
})();
