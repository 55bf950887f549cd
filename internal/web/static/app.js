// wenming: small hand-written helpers; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    // Language select submits itself.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    // Phone menu.
    var t = document.querySelector(".menu-toggle"), side = document.getElementById("side");
    if (t && side) {
      t.addEventListener("click", function () {
        var open = side.classList.toggle("open");
        t.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // Confirm destructive actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
    // Cockpit: full screen, print, and the big screen's periodic refresh.
    document.querySelectorAll("[data-fullscreen]").forEach(function (b) {
      b.addEventListener("click", function () {
        var el = document.documentElement;
        if (document.fullscreenElement) { document.exitFullscreen(); } else if (el.requestFullscreen) { el.requestFullscreen(); }
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    var rf = document.querySelector("[data-refresh]");
    if (rf) {
      var secs = parseInt(rf.getAttribute("data-refresh"), 10);
      if (secs > 0) { window.setTimeout(function () { window.location.reload(); }, secs * 1000); }
    }
    // The queue's other filters fold away on a phone unless one is set.
    if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
      document.querySelectorAll("details.more-filters:not([data-narrowed])").forEach(function (d) { d.open = false; });
    }
    // Photo viewer: a photo link marked data-viewer opens the photo large
    // in a dialog (without script the link opens the photo itself).
    var links = document.querySelectorAll("a[data-viewer]");
    if (links.length && window.HTMLDialogElement) {
      var dlg = document.createElement("dialog"), img = document.createElement("img"), close = document.createElement("button");
      dlg.className = "viewer";
      close.type = "button";
      close.className = "btn btn-light viewer-close";
      close.textContent = document.body.getAttribute("data-viewer-close") || "×";
      dlg.appendChild(close);
      dlg.appendChild(img);
      document.body.appendChild(dlg);
      close.addEventListener("click", function () { dlg.close(); });
      dlg.addEventListener("click", function (e) { if (e.target === dlg) { dlg.close(); } });
      links.forEach(function (a) {
        a.addEventListener("click", function (e) {
          e.preventDefault();
          var th = a.querySelector("img");
          img.src = a.href;
          img.alt = th ? th.alt : "";
          dlg.showModal();
        });
      });
    }
    // Move focus to the first field with an error, or to the form error.
    var bad = document.querySelector("[aria-invalid=true]") || document.getElementById("form-error");
    if (bad) { bad.focus(); }
  });
})();
