// Customer import: keep the user from importing with a mapping that was not
// checked, and from submitting twice. The server enforces both; this only helps.
(function () {
  "use strict";
  var changedHint = document.getElementById("mapping-changed");

  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("select[data-import-mapping]")) {
      return;
    }
    document.querySelectorAll("[data-import-submit]").forEach(function (button) {
      button.disabled = true;
    });
    if (changedHint) {
      changedHint.classList.remove("d-none");
    }
  });

  document.querySelectorAll("form[data-import-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      // After this turn, so that the clicked button's name and value are still sent.
      window.setTimeout(function () {
        document.querySelectorAll("form[data-import-form] button, button[form='" + form.id + "']").forEach(function (button) {
          button.disabled = true;
        });
        if (submitter && submitter.dataset.busyLabel) {
          submitter.textContent = submitter.dataset.busyLabel;
        }
      }, 0);
    });
  });
})();
