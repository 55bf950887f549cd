// wenming: the visit form on a grid worker's phone (/grassroots/visits/new).
// Hand-written, no libraries. The form works without this script; with it:
//  - "locate" fills the GPS fields from the phone;
//  - the form is sent in the background; when the network fails the visit
//    is kept on the phone (localStorage, with its photo when small enough)
//    and listed as 待上传 (waiting to upload), and sent again when the
//    phone is back online or the page is opened again. Every draft carries
//    its idempotency key, so a re-send never makes a second visit.
(function () {
  "use strict";
  var QUEUE = "wenming.visits.queue.v1";
  var MAX_PHOTO = 1500000; // bytes of a photo kept on the phone as a data URL

  function $(id) { return document.getElementById(id); }
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  function load() {
    var s = store();
    if (!s) { return []; }
    try { return JSON.parse(s.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function save(q) {
    var s = store();
    if (!s) { return false; }
    try { s.setItem(QUEUE, JSON.stringify(q)); return true; } catch (e) { return false; }
  }

  function render() {
    var box = $("visit-queue"), list = $("visit-queue-list");
    if (!box || !list) { return; }
    var q = load();
    box.hidden = q.length === 0;
    list.textContent = "";
    q.forEach(function (d) {
      var li = document.createElement("li");
      li.textContent = (d.label || d.fields.household_id) + " · " + (d.fields.visited_at || "") + " · " + box.getAttribute("data-pending");
      list.appendChild(li);
    });
  }

  function dataURLToBlob(u) {
    var parts = u.split(","), mime = parts[0].replace(/^data:|;base64$/g, "");
    var bin = atob(parts[1]), arr = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { arr[i] = bin.charCodeAt(i); }
    return new Blob([arr], { type: mime });
  }

  function formData(d, csrf) {
    var fd = new FormData();
    Object.keys(d.fields).forEach(function (k) {
      var v = d.fields[k];
      if (Array.isArray(v)) { v.forEach(function (x) { fd.append(k, x); }); } else { fd.append(k, v); }
    });
    fd.set("csrf", csrf);
    if (d.photo) { fd.append("photos", dataURLToBlob(d.photo), d.photoName || "photo.jpg"); }
    return fd;
  }

  // send posts one draft; resolves with the JSON answer, rejects on a
  // network failure (the draft stays queued).
  function send(d, csrf) {
    return fetch("/grassroots/visits", {
      method: "POST", body: formData(d, csrf), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (res) {
      return res.json().then(function (body) { return { status: res.status, body: body }; });
    });
  }

  function flush(csrf) {
    var q = load();
    if (!q.length || !navigator.onLine) { return Promise.resolve(); }
    var d = q[0];
    return send(d, csrf).then(function (a) {
      var rest = load().filter(function (x) { return x.fields.key !== d.fields.key; });
      if (a.status >= 400 && a.status < 500 && a.status !== 408 && a.status !== 429) {
        d.error = (a.body && a.body.error && a.body.error.message) || String(a.status);
        rest.push(d); // refused: kept, shown, not retried in a loop
        save(rest); render();
        return;
      }
      if (a.status >= 500) { return; }
      save(rest); render();
      return flush(csrf);
    }, function () { /* still offline */ });
  }

  function collect(form) {
    var f = {}, els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.type === "file" || el.name === "csrf") { continue; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { continue; }
      if (el.type === "checkbox") { (f[el.name] = f[el.name] || []).push(el.value); } else { f[el.name] = el.value; }
    }
    return f;
  }

  function queue(form, d, done) {
    var file = form.elements.photos && form.elements.photos.files[0];
    function push() {
      var q = load().filter(function (x) { return x.fields.key !== d.fields.key; });
      q.push(d);
      if (!save(q)) { d.photo = null; save(q); }
      render();
      done();
    }
    if (file && file.size <= MAX_PHOTO && window.FileReader) {
      var rd = new FileReader();
      rd.onload = function () { d.photo = rd.result; d.photoName = file.name; push(); };
      rd.onerror = push;
      rd.readAsDataURL(file);
    } else { push(); }
  }

  function init() {
    var form = $("visit-form");
    var csrf = (document.querySelector('input[name="csrf"]') || {}).value || "";
    render();
    flush(csrf);
    window.addEventListener("online", function () { flush(csrf); });
    var loc = $("visit-locate");
    if (loc && navigator.geolocation) {
      loc.hidden = false;
      loc.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.elements.lat.value = pos.coords.latitude.toFixed(6);
          form.elements.lng.value = pos.coords.longitude.toFixed(6);
        }, function () { /* refused or unavailable: the fields stay as typed */ }, { enableHighAccuracy: true, timeout: 15000 });
      });
    }
    if (!form || !window.fetch || !window.FormData) { return; }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var sel = form.elements.household_id;
      var d = { fields: collect(form), label: sel && sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : "" };
      var btn = form.querySelector("button[type=submit]");
      if (btn) { btn.disabled = true; }
      var fd = new FormData(form);
      fetch(form.action, { method: "POST", body: fd, credentials: "same-origin", headers: { "Accept": "application/json", "X-CSRF-Token": csrf } })
        .then(function (res) { return res.json().then(function (b) { return { status: res.status, body: b }; }); })
        .then(function (a) {
          if (a.status < 300 && a.body.url) { window.location.assign(a.body.url); return; }
          if (a.status >= 500) { queue(form, d, function () { if (btn) { btn.disabled = false; } }); return; }
          // Refused: let the server show the form with every message.
          form.submit();
        }, function () {
          // No network: keep it on the phone, marked 待上传.
          queue(form, d, function () {
            if (btn) { btn.disabled = false; }
            var n = $("visit-saved"); if (n) { n.hidden = false; }
            form.elements.key.value = (Date.now().toString(16) + Math.random().toString(16).slice(2)).slice(0, 32);
          });
        });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
