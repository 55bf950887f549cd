// Volunteer pages: the phone's position for the venue code, and the
// organiser's QR screen reloading as its code changes every minute.
(function () {
  var btn = document.getElementById('vol-locate');
  if (btn && navigator.geolocation) {
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var status = document.getElementById('vol-locate-status');
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById('f-lat').value = pos.coords.latitude.toFixed(6);
        document.getElementById('f-lng').value = pos.coords.longitude.toFixed(6);
        if (status) status.textContent = status.getAttribute('data-ok');
      }, function () {
        if (status) status.textContent = status.getAttribute('data-fail');
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });
  var qr = document.getElementById('vol-qr');
  if (qr) {
    var ms = parseInt(qr.getAttribute('data-reload-ms'), 10) || 20000;
    setTimeout(function () { location.reload(); }, Math.max(ms, 1000));
  }
})();
