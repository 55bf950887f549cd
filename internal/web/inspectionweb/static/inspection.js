// The inspector's phone form works through a bad connection: the draft is
// kept in localStorage while it is filled in, a submitted inspection and its
// photos wait in IndexedDB ("待上传") until the network is back, and every
// send carries the inspection's idempotency key, so a re-send never makes a
// second inspection (the server answers it with the first).
(function () {
  "use strict";
  var DB = "wenming-inspection", STORE = "outbox";
  var box = document.getElementById("insp-outbox");
  var form = document.getElementById("insp-form");
  var T = box ? box.dataset : {};
  var flushing = false;

  function openDB() {
    return new Promise(function (ok, fail) {
      var rq = indexedDB.open(DB, 1);
      rq.onupgradeneeded = function () {
        rq.result.createObjectStore(STORE, { keyPath: "key" });
        rq.result.createObjectStore("photos");
      };
      rq.onsuccess = function () { ok(rq.result); };
      rq.onerror = function () { fail(rq.error); };
    });
  }
  function tx(store, mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (ok, fail) {
        var t = db.transaction(store, mode), out;
        var r = fn(t.objectStore(store));
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { db.close(); ok(out); };
        t.onerror = function () { db.close(); fail(t.error); };
      });
    });
  }
  var all = function () { return tx(STORE, "readonly", function (s) { return s.getAll(); }); };
  var put = function (rec) { return tx(STORE, "readwrite", function (s) { return s.put(rec); }); };
  var del = function (key) { return tx(STORE, "readwrite", function (s) { return s.delete(key); }); };

  function render() {
    if (!box) return Promise.resolve();
    return all().then(function (recs) {
      var ul = box.querySelector("ul");
      ul.textContent = "";
      recs.forEach(function (r) {
        var li = document.createElement("li");
        li.dataset.key = r.key;
        li.appendChild(document.createTextNode(r.title + " · "));
        var st = document.createElement("span");
        st.className = "insp-state" + (r.refused ? " refused" : "");
        st.textContent = r.refused ? (T.refused + "：" + r.refused) : T.pending;
        li.appendChild(st);
        ul.appendChild(li);
      });
      box.hidden = recs.length === 0;
      document.documentElement.dataset.outbox = String(recs.filter(function (r) { return !r.refused; }).length);
    });
  }

  function send(rec) {
    var fd = new FormData();
    rec.fields.forEach(function (f) { fd.append(f[0], f[1]); });
    rec.files.forEach(function (f) { fd.append(f[0], f[1], f[2]); });
    return fetch(rec.url, { method: "POST", body: fd, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) {
          if (res.ok) return del(rec.key).then(function () { return body; });
          if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
            rec.refused = (body.error && body.error.message) || String(res.status);
            return put(rec).then(function () { return null; });
          }
          return null; // the server is in trouble: try again later
        });
      }, function () { return null; }); // no network: stays 待上传
  }

  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return all().then(function (recs) {
      var p = Promise.resolve(), last = null;
      recs.filter(function (r) { return !r.refused; }).forEach(function (r) {
        p = p.then(function () { return send(r); }).then(function (b) { if (b && b.url && form && r.url === form.action) last = b.url; });
      });
      return p.then(function () { return last; });
    }).then(function (url) {
      flushing = false;
      return render().then(function () { if (url) location.assign(url); });
    }, function () { flushing = false; });
  }

  // ---- the form ----
  if (form) {
    var draftKey = "wm-insp-draft-" + form.dataset.site;
    var keyField = form.elements.namedItem("key");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(draftKey) || "null"); } catch (e) { saved = null; }
    if (saved && saved.key) {
      keyField.value = saved.key; // the same inspection, whatever reloads happen
      Object.keys(saved.v || {}).forEach(function (n) {
        var el = form.elements.namedItem(n);
        if (!el) return;
        if (el instanceof RadioNodeList) {
          Array.prototype.forEach.call(el, function (r) { r.checked = r.value === saved.v[n]; });
        } else if (el.type !== "file") { el.value = saved.v[n]; }
      });
    }
    var photoKey = function (name) { return keyField.value + "/" + name; };
    // Photos chosen before a reload come back from IndexedDB.
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file]"), function (inp) {
      tx("photos", "readonly", function (s) { return s.get(photoKey(inp.name)); }).then(function (f) {
        if (f && !inp.files.length && window.DataTransfer) {
          var dt = new DataTransfer(); dt.items.add(f); inp.files = dt.files;
        }
      });
      inp.addEventListener("change", function () {
        var f = inp.files[0];
        tx("photos", "readwrite", function (s) { return f ? s.put(f, photoKey(inp.name)) : s.delete(photoKey(inp.name)); });
      });
    });
    function saveDraft() {
      var v = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.type === "hidden") return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        v[el.name] = el.value;
      });
      localStorage.setItem(draftKey, JSON.stringify({ key: keyField.value, v: v }));
    }
    function toggle() {
      Array.prototype.forEach.call(form.querySelectorAll(".insp-item"), function (fs) {
        var c = fs.querySelector("input[type=radio]:checked");
        Array.prototype.forEach.call(fs.querySelectorAll(".insp-fail-only"), function (el) { el.hidden = !c || c.value !== "fail"; });
      });
    }
    form.addEventListener("change", function () { toggle(); saveDraft(); });
    form.addEventListener("input", saveDraft);
    toggle();
    var gps = document.getElementById("insp-gps");
    if (navigator.geolocation) {
      navigator.geolocation.watchPosition(function (pos) {
        form.elements.namedItem("lat").value = pos.coords.latitude.toFixed(6);
        form.elements.namedItem("lng").value = pos.coords.longitude.toFixed(6);
        form.elements.namedItem("accuracy").value = Math.round(pos.coords.accuracy);
        if (gps) gps.textContent = T.located + " ±" + Math.round(pos.coords.accuracy) + " m";
      }, function () { if (gps) gps.textContent = T.nogps; }, { enableHighAccuracy: true, maximumAge: 30000 });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      form.elements.namedItem("inspected_at").value = new Date().toISOString();
      var rec = { key: keyField.value, url: form.action, title: form.dataset.title, fields: [], files: [], at: Date.now() };
      new FormData(form).forEach(function (v, n) {
        if (v instanceof File) { if (v.size > 0) rec.files.push([n, v, v.name || "photo.jpg"]); }
        else rec.fields.push([n, v]);
      });
      put(rec).then(function () {
        localStorage.removeItem(draftKey);
        return tx("photos", "readwrite", function (s) {
          return s.delete(IDBKeyRange.bound(keyField.value + "/", keyField.value + "/\uffff"));
        });
      }).then(render).then(flush);
    });
  }

  // The recheck form (a plain post): where the inspector stands.
  var recheck = document.getElementById("insp-recheck");
  if (recheck && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      recheck.elements.namedItem("lat").value = pos.coords.latitude.toFixed(6);
      recheck.elements.namedItem("lng").value = pos.coords.longitude.toFixed(6);
    }, function () {}, { enableHighAccuracy: true, maximumAge: 30000 });
  }

  window.addEventListener("online", flush);
  setInterval(function () { if (box && !box.hidden) flush(); }, 4000);
  render().then(flush);
  window.wenmingInspectionFlush = flush; // for tests: send what waits, now
})();
