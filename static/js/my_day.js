// My day: the Snooze and Reassign panels are <details> (they work without
// JavaScript); with it, only one is open at a time and Escape or a click
// elsewhere closes it.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll("details.action-popover[open]").forEach(function (open) {
      if (open !== except) open.removeAttribute("open");
    });
  }
  document.addEventListener("toggle", function (event) {
    var target = event.target;
    if (target.matches && target.matches("details.action-popover") && target.open) closeAll(target);
  }, true);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details.action-popover")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.action-popover[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
})();
