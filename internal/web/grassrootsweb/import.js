// wenming: the household import screen (/grassroots/import). Hand-written,
// no libraries. The form works without this script (the page answers
// when the whole file is done); with it, the file is sent in the
// background and a progress bar shows the upload, then each thousand rows
// checked and saved, from the server's progress stream (one JSON line per
// step, Accept: application/x-ndjson), and at the end the result or the
// table of the file's problems.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var box = document.getElementById("import-progress");
  if (!form || !box || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = box.querySelector("progress");
  var text = document.getElementById("import-progress-text");
  var out = document.getElementById("import-result");

  function show(msg, done, total) {
    box.hidden = false;
    text.textContent = msg;
    if (total > 0) { bar.max = total; bar.value = done; } else { bar.removeAttribute("value"); }
  }
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }
  function cell(tr, tag, s, cls) {
    var c = document.createElement(tag);
    c.textContent = s;
    if (cls) { c.className = cls; }
    tr.appendChild(c);
  }
  function finish(line) {
    clear(out);
    var p = document.createElement("div");
    p.setAttribute("role", line.phase === "done" ? "status" : "alert");
    p.className = line.phase === "done" ? "flash" : "form-error";
    p.id = line.phase === "done" ? "import-done" : "import-refused";
    p.textContent = line.message;
    out.appendChild(p);
    if (line.errors && line.errors.length) {
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      var t = document.createElement("table");
      t.id = "import-errors";
      var cap = document.createElement("caption");
      cap.textContent = out.getAttribute("data-caption");
      t.appendChild(cap);
      var head = document.createElement("tr");
      cell(head, "th", out.getAttribute("data-row"), "num");
      cell(head, "th", out.getAttribute("data-column"));
      cell(head, "th", out.getAttribute("data-message"));
      var thead = document.createElement("thead");
      thead.appendChild(head);
      t.appendChild(thead);
      var body = document.createElement("tbody");
      line.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        cell(tr, "td", String(e.row), "num");
        cell(tr, "td", e.column);
        cell(tr, "td", e.message);
        body.appendChild(tr);
      });
      t.appendChild(body);
      wrap.appendChild(t);
      out.appendChild(wrap);
    }
    if (line.phase === "done") { show(line.message, 1, 1); } else { box.hidden = true; }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    clear(out);
    var xhr = new XMLHttpRequest();
    var seen = 0, last = null, queue = [], pumping = false, ended = false;
    // Steps are shown one a frame: a quick server sends several at once,
    // and each should still be seen on the bar.
    function pump() {
      if (!queue.length) { pumping = false; if (ended) { end(); } return; }
      var line = queue.shift();
      if (line.phase === "done" || line.phase === "refused" || line.phase === "failed") { finish(line); }
      else { show(line.message, line.done, line.total); }
      setTimeout(pump, 16);
    }
    function read() {
      var s = xhr.responseText, nl;
      while ((nl = s.indexOf("\n", seen)) >= 0) {
        var raw = s.slice(seen, nl);
        seen = nl + 1;
        if (!raw) { continue; }
        try { last = JSON.parse(raw); } catch (e) { continue; }
        queue.push(last);
      }
      if (queue.length && !pumping) { pumping = true; pump(); }
    }
    function end() {
      button.disabled = false;
      if (!last || (last.phase !== "done" && last.phase !== "refused" && last.phase !== "failed")) {
        finish({ phase: "failed", message: box.getAttribute("data-lost") });
      }
    }
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/x-ndjson");
    xhr.upload.onprogress = function (e) {
      show(box.getAttribute("data-upload"), e.loaded, e.lengthComputable ? e.total : 0);
    };
    xhr.onprogress = read;
    xhr.onload = function () {
      if (xhr.status !== 200) { button.disabled = false; document.open(); document.write(xhr.responseText); document.close(); return; }
      read();
      ended = true;
      if (!pumping) { end(); }
    };
    xhr.onerror = function () {
      button.disabled = false;
      finish({ phase: "failed", message: box.getAttribute("data-lost") });
    };
    show(box.getAttribute("data-upload"), 0, 0);
    xhr.send(new FormData(form));
  });
})();
