// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]")) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });

  // "Cancel" on a form opened inside a page: drop the form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-clear-closest]");
    if (button) {
      var block = button.closest(button.getAttribute("data-clear-closest"));
      if (block) block.remove();
    }
  });

  // Tabs follow the address (#contacts opens the Contacts tab) so that links,
  // reloads and the back button land on the same tab.
  function showTabFromHash() {
    var name = window.location.hash.replace("#", "");
    if (!name || !window.bootstrap) return;
    var button = document.querySelector('[data-bs-target="#pane-' + name + '"]');
    if (button) window.bootstrap.Tab.getOrCreateInstance(button).show();
  }
  document.addEventListener("shown.bs.tab", function (event) {
    var target = event.target.getAttribute("data-bs-target") || "";
    if (target.indexOf("#pane-") === 0) {
      history.replaceState(null, "", "#" + target.slice(6));
    }
  });
  window.addEventListener("hashchange", showTabFromHash);
  document.addEventListener("DOMContentLoaded", showTabFromHash);

  // Put the keyboard in the first field of a form that htmx just opened.
  document.addEventListener("htmx:afterSwap", function (event) {
    var field = event.detail.target.querySelector(".inline-form input:not([type=hidden]), .inline-form select, .inline-form textarea");
    if (field) field.focus();
  });
})();

// The quick log: put the keyboard in its first field as soon as it opens.
(function () {
  "use strict";
  function focusQuickLog(root) {
    var field = root.querySelector(".quick-log input[name=customer_text], .quick-log input[name=channel]:checked, .quick-log input[name=channel]");
    if (field) field.focus();
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "quick-log-modal-body") focusQuickLog(event.detail.target);
  });
  document.addEventListener("shown.bs.modal", function (event) {
    if (event.target.id === "quick-log-modal") focusQuickLog(event.target);
  });
})();
