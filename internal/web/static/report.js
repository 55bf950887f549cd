// wenming: the citizen's report page (/report). Hand-written, no libraries.
// The form works without this script; with it the page
//  - keeps a draft of the text fields in localStorage (never the photos)
//    and restores it, so losing the network or closing the tab loses nothing;
//  - sets the place from the phone's GPS or from a tap on the city sketch,
//    drawn over an optional tile server's map when one is configured;
//  - shows open reports of the same kind within about 50 m before sending,
//    so the citizen can follow one instead;
//  - sends the form in the background: on a network failure it keeps the
//    draft and says so; on success it clears the draft.
(function () {
  "use strict";

  var DRAFT = "wenming.report.draft.v1";
  var FIELDS = ["category", "description", "lat", "lng", "address", "name", "phone"];

  function $(id) { return document.getElementById(id); }
  function show(el, on) { if (el) { el.hidden = !on; } }
  function fmt(msg, n) { return String(msg).replace("%d", String(n)); }

  function store() {
    try { return window.localStorage; } catch (e) { return null; } // private mode may refuse
  }

  function loadDraft() {
    var s = store();
    if (!s) { return null; }
    try { return JSON.parse(s.getItem(DRAFT) || "null"); } catch (e) { return null; }
  }

  function clearDraft() {
    var s = store();
    if (s) { try { s.removeItem(DRAFT); } catch (e) { /* ignore */ } }
  }

  function saveDraft(form) {
    var s = store();
    if (!s) { return; }
    var d = {}, any = false;
    FIELDS.forEach(function (n) {
      var el = form.elements[n];
      if (el && el.value) { d[n] = el.value; any = true; }
    });
    try {
      if (any) { d.saved = Date.now(); s.setItem(DRAFT, JSON.stringify(d)); } else { s.removeItem(DRAFT); }
    } catch (e) { /* storage full: the form itself still works */ }
  }

  // restoreDraft fills empty fields only: a page the server sent back with
  // an error already holds what was typed.
  function restoreDraft(form) {
    var d = loadDraft(), restored = false;
    if (!d) { return; }
    FIELDS.forEach(function (n) {
      var el = form.elements[n];
      if (el && !el.value && d[n]) { el.value = d[n]; restored = true; }
    });
    if (restored) { show($("draft-note"), true); }
  }

  // --- optional raster tiles beneath the sketch ---------------------------
  // When an admin has configured a tile server (系统设置, data-tiles on the
  // map: a URL template with {z}, {x} and {y}), the Web-Mercator tiles that
  // cover the map's bounds are drawn beneath the places. The server's sketch
  // is an equirectangular projection of those bounds, so each tile is placed
  // by its own edges in degrees and lands where it belongs (inside one tile
  // the small difference between the projections is stretched). Without a
  // template, or when a tile fails to load, the sketch works as before.
  var SVG_NS = "http://www.w3.org/2000/svg";
  function tileX(lng, z) { return (lng + 180) / 360 * Math.pow(2, z); }
  function tileY(lat, z) {
    var r = lat * Math.PI / 180;
    return (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * Math.pow(2, z);
  }
  function tileLng(x, z) { return x / Math.pow(2, z) * 360 - 180; }
  function tileLat(y, z) {
    var n = Math.PI - 2 * Math.PI * y / Math.pow(2, z);
    return 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)));
  }
  function fill(tmpl, z, x, y) {
    return tmpl.split("{z}").join(String(z)).split("{x}").join(String(x)).split("{y}").join(String(y));
  }

  function drawTiles(map, geo) {
    var tmpl = map.dataset.tiles, layer = $("map-tiles");
    if (!tmpl || !layer || layer.firstChild || !(geo.east > geo.west) || !(geo.north > geo.south)) { return; }
    // The zoom that puts about four tiles across the map (at most 64 tiles).
    var z = Math.max(0, Math.min(18, Math.floor(Math.log(4 * 360 / (geo.east - geo.west)) / Math.LN2)));
    var x0 = Math.floor(tileX(geo.west, z)), x1 = Math.floor(tileX(geo.east, z));
    var y0 = Math.floor(tileY(geo.north, z)), y1 = Math.floor(tileY(geo.south, z));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 64) { return; }
    var n = Math.pow(2, z), dx = geo.east - geo.west, dy = geo.north - geo.south;
    for (var ty = Math.max(y0, 0); ty <= Math.min(y1, n - 1); ty++) {
      for (var tx = x0; tx <= x1; tx++) {
        var west = tileLng(tx, z), east = tileLng(tx + 1, z), north = tileLat(ty, z), south = tileLat(ty + 1, z);
        var img = document.createElementNS(SVG_NS, "image");
        img.setAttribute("href", fill(tmpl, z, ((tx % n) + n) % n, ty));
        img.setAttribute("x", ((west - geo.west) / dx * geo.w).toFixed(1));
        img.setAttribute("y", ((geo.north - north) / dy * geo.h).toFixed(1));
        img.setAttribute("width", ((east - west) / dx * geo.w).toFixed(1));
        img.setAttribute("height", ((north - south) / dy * geo.h).toFixed(1));
        img.setAttribute("preserveAspectRatio", "none");
        img.addEventListener("error", function () { this.parentNode.removeChild(this); });
        layer.appendChild(img);
      }
    }
  }

  function init() {
    var sent = document.querySelector("[data-clear-draft]");
    if (sent) { clearDraft(); return; }
    var form = $("report-form");
    if (!form || form.dataset.ready) { return; }
    form.dataset.ready = "1";
    var msg = form.dataset;
    var status = $("place-status");
    var map = $("city-map");
    var pin = $("map-pin");
    var nearbyBox = $("nearby");
    var nearbyKey = "", nearbyShown = false, sendAnyway = false;

    restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
    var clear = $("draft-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        clearDraft();
        FIELDS.forEach(function (n) { if (form.elements[n]) { form.elements[n].value = ""; } });
        movePin();
        if ($("place-region")) { $("place-region").textContent = ""; }
        show($("draft-note"), false);
      });
    }

    // --- the place -------------------------------------------------------
    var geo = map && {
      west: parseFloat(map.dataset.west), east: parseFloat(map.dataset.east),
      north: parseFloat(map.dataset.north), south: parseFloat(map.dataset.south),
      w: parseFloat(map.dataset.w), h: parseFloat(map.dataset.h)
    };
    if (map) { drawTiles(map, geo); }

    function movePin() {
      if (!map || !pin) { return; }
      var lat = parseFloat(form.elements.lat.value), lng = parseFloat(form.elements.lng.value);
      if (isNaN(lat) || isNaN(lng) || lat > geo.north || lat < geo.south || lng < geo.west || lng > geo.east) {
        pin.setAttribute("visibility", "hidden");
        return;
      }
      var x = (lng - geo.west) / (geo.east - geo.west) * geo.w;
      var y = (geo.north - lat) / (geo.north - geo.south) * geo.h;
      pin.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
      pin.setAttribute("visibility", "visible");
    }

    // The region the point lies in, named by the server from the same
    // boundaries and centres that will place the report.
    var region = $("place-region"), locating = 0;
    function locate() {
      var lat = form.elements.lat.value, lng = form.elements.lng.value;
      if (!region || !lat || !lng || !window.fetch) { return; }
      var n = ++locating;
      fetch("/api/v1/public/locate?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng),
        { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j || n !== locating) { return; }
          region.textContent = j.label ? String(msg.msgRegion).replace("%s", j.label) : msg.msgOutside;
          region.dataset.label = j.label || "";
        })
        .catch(function () { /* offline: the place is kept, its name comes later */ });
    }

    function setPlace(lat, lng, note) {
      form.elements.lat.value = lat.toFixed(6);
      form.elements.lng.value = lng.toFixed(6);
      if (status) { status.textContent = note; }
      movePin();
      saveDraft(form);
      checkNearby();
      locate();
    }

    if (map) {
      // A tap: screen point → SVG point → latitude and longitude, by the
      // inverse of the server's projection.
      map.addEventListener("click", function (e) {
        var ctm = map.getScreenCTM();
        if (!ctm) { return; }
        var pt = map.createSVGPoint();
        pt.x = e.clientX; pt.y = e.clientY;
        var p = pt.matrixTransform(ctm.inverse());
        var lng = geo.west + p.x / geo.w * (geo.east - geo.west);
        var lat = geo.north - p.y / geo.h * (geo.north - geo.south);
        setPlace(lat, lng, msg.msgMapSet);
      });
      // The district points are buttons for the keyboard: Enter or Space
      // sets the place to that centre.
      map.querySelectorAll(".map-place").forEach(function (g) {
        g.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            setPlace(parseFloat(g.dataset.lat), parseFloat(g.dataset.lng), msg.msgMapSet);
          }
        });
      });
    }
    // Zoom: the viewBox narrows around the pin (or the middle) by halves, so
    // a tap can pick a street; taps keep working through getScreenCTM.
    var zin = $("map-zoom-in"), zout = $("map-zoom-out"), zoom = 1;
    function setZoom(z) {
      zoom = Math.max(1, Math.min(16, z));
      var w = geo.w / zoom, h = geo.h / zoom, cx = geo.w / 2, cy = geo.h / 2;
      var lat = parseFloat(form.elements.lat.value), lng = parseFloat(form.elements.lng.value);
      if (!isNaN(lat) && !isNaN(lng) && zoom > 1) {
        cx = (lng - geo.west) / (geo.east - geo.west) * geo.w;
        cy = (geo.north - lat) / (geo.north - geo.south) * geo.h;
      }
      var x = Math.max(0, Math.min(geo.w - w, cx - w / 2)), y = Math.max(0, Math.min(geo.h - h, cy - h / 2));
      map.setAttribute("viewBox", x.toFixed(1) + " " + y.toFixed(1) + " " + w.toFixed(1) + " " + h.toFixed(1));
      if (zout) { zout.disabled = zoom === 1; }
      if (zin) { zin.disabled = zoom === 16; }
    }
    if (map && zin && zout) {
      show(zin, true); show(zout, true);
      zin.addEventListener("click", function () { setZoom(zoom * 2); });
      zout.addEventListener("click", function () { setZoom(zoom / 2); });
      setZoom(1);
    }

    // A place restored from a draft or sent back with an error is shown.
    movePin();
    locate();
    form.elements.category.addEventListener("change", checkNearby);

    var gps = $("gps-btn");
    if (gps && navigator.geolocation) {
      show(gps, true);
      gps.addEventListener("click", function () {
        if (status) { status.textContent = msg.msgGpsWait; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          setPlace(pos.coords.latitude, pos.coords.longitude, fmt(msg.msgGpsOk, Math.round(pos.coords.accuracy || 0)));
        }, function () {
          if (status) { status.textContent = msg.msgGpsFail; }
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }

    // --- photos: count and size are checked here too, to save a wasted upload.
    var count = $("photo-count");
    function photos() {
      var out = [];
      form.querySelectorAll("input[type=file][name=photos]").forEach(function (el) {
        for (var i = 0; i < el.files.length; i++) { out.push(el.files[i]); }
      });
      return out;
    }
    function photoProblem() {
      var list = photos(), max = parseInt(msg.maxPhotos, 10), mb = parseInt(msg.maxMb, 10);
      if (list.length > max) { return msg.msgTooMany; }
      for (var i = 0; i < list.length; i++) {
        if (list[i].size > mb * 1024 * 1024) { return list[i].name + ": " + msg.msgTooBig; }
      }
      return "";
    }
    form.querySelectorAll("input[type=file][name=photos]").forEach(function (el) {
      el.addEventListener("change", function () {
        if (count) { count.textContent = photoProblem() || (photos().length ? "✓ " + photos().length : ""); }
      });
    });

    // --- open reports of the same kind nearby ----------------------------
    function checkNearby(then) {
      var cat = form.elements.category.value, lat = form.elements.lat.value, lng = form.elements.lng.value;
      var key = cat + "|" + lat + "|" + lng;
      if (!cat || !lat || !lng || !window.fetch) {
        show(nearbyBox, false);
        nearbyShown = false;
        if (typeof then === "function") { then(); }
        return;
      }
      if (key === nearbyKey) {
        if (typeof then === "function") { then(); }
        return;
      }
      nearbyKey = key;
      sendAnyway = false;
      var q = "?category=" + encodeURIComponent(cat) + "&lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng);
      fetch("/api/v1/public/nearby" + q, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) {
          var list = $("nearby-list");
          list.textContent = "";
          (body.items || []).forEach(function (it) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = it.track_url;
            a.textContent = msg.msgFollow + " " + it.code;
            li.appendChild(document.createTextNode((it.title || it.category_name) + " · " + it.state_name + " · " + fmt(msg.msgDistance, it.distance_m) + " · "));
            li.appendChild(a);
            list.appendChild(li);
          });
          nearbyShown = (body.items || []).length > 0;
          show(nearbyBox, nearbyShown);
          if (typeof then === "function") { then(); }
        })
        .catch(function () { if (typeof then === "function") { then(); } }); // offline: the check is a courtesy
    }
    var anyway = $("nearby-send");
    if (anyway) {
      anyway.addEventListener("click", function () {
        sendAnyway = true;
        show(nearbyBox, false);
        send();
      });
    }

    // --- sending ---------------------------------------------------------
    var note = $("send-note");
    var button = $("report-send");
    function tell(text) {
      note.textContent = text;
      show(note, !!text);
      if (text) { note.focus(); }
    }

    function send() {
      var problem = photoProblem();
      if (problem) { tell(problem); return; }
      saveDraft(form);
      tell("");
      button.disabled = true;
      button.textContent = msg.msgSending;
      var label = button.dataset.label;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "follow" })
        .then(function (r) {
          if (r.redirected && r.url.indexOf("/report/sent/") >= 0) {
            clearDraft();
            window.location.assign(r.url);
            return null;
          }
          return r.text().then(function (html) {
            // The server sent the form back with its messages: show that
            // page's form in place of this one, keeping the draft.
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById("main");
            var main = $("main");
            if (fresh && main) {
              main.replaceWith(fresh);
              init();
              var bad = document.querySelector("[aria-invalid=true]") || document.getElementById("form-error");
              if (bad) { bad.focus(); }
            } else {
              button.disabled = false;
              button.textContent = label;
              tell(msg.msgOffline);
            }
          });
        })
        .catch(function () {
          button.disabled = false;
          button.textContent = label;
          tell(msg.msgOffline);
        });
    }

    button.dataset.label = button.textContent;
    form.addEventListener("submit", function (e) {
      if (!window.fetch || !window.FormData || !window.DOMParser) { return; } // plain form post
      e.preventDefault();
      checkNearby(function () {
        if (nearbyShown && !sendAnyway) {
          nearbyBox.scrollIntoView({ block: "center" });
          $("nearby-send").focus();
          return;
        }
        send();
      });
    });
    window.addEventListener("online", function () { if (!note.hidden) { tell(""); } });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
