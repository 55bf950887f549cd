// wenming: show only the extra questions of the chosen category on the
// report and intake forms. Without this script every category's questions
// are shown, each under its category's name; the server takes only the
// chosen category's answers either way.
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("[data-questions-for]").forEach(function (box) {
      var select = document.getElementById(box.getAttribute("data-questions-for"));
      if (!select) { return; }
      var blocks = box.querySelectorAll("[data-question-key]");
      function update() {
        blocks.forEach(function (b) {
          var on = b.getAttribute("data-question-key") === select.value;
          b.hidden = !on;
          // Hidden answers are not sent at all.
          b.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
        });
      }
      select.addEventListener("change", update);
      update();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
