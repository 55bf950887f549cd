// wenming: the category form fills the limit fields with the chosen
// urgency class's defaults. Without it, limits left empty still take the
// defaults on the server.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var sel = document.getElementById("f-urgency");
    var ack = document.getElementById("f-ack_hours");
    var val = document.getElementById("f-resolve_value");
    var unit = document.getElementById("f-resolve_unit");
    if (!sel || !ack || !val || !unit) { return; }
    sel.addEventListener("change", function () {
      var o = sel.options[sel.selectedIndex];
      if (!o) { return; }
      ack.value = o.getAttribute("data-ack") || "";
      val.value = o.getAttribute("data-value") || "";
      unit.value = o.getAttribute("data-unit") || "";
    });
  });
})();
