// My e-ID: a countdown to the code's expiry (htmx fetches a new code every 50 s).
// Verify page: scan the QR code with the camera where the browser has BarcodeDetector.
(function () {
  "use strict";
  var renewed = null;
  function tick() {
    var when = document.getElementById("eid-expires");
    var out = document.getElementById("eid-countdown");
    if (!when || !out) return;
    var left = Math.max(0, Math.round(Number(when.dataset.expires) - Date.now() / 1000));
    out.textContent = left + " s";
    if (left === 0 && window.htmx && renewed !== when.dataset.expires) {
      renewed = when.dataset.expires;  // once per code
      window.htmx.trigger("#eid", "renew");  // expired before the poll (the phone slept)
    }
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);

  var button = document.getElementById("scan");
  var video = document.getElementById("scan-video");
  var field = document.querySelector("#verify-form textarea[name=token]");
  if (!button || !video || !field || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      function look() {
        detector.detect(video).then(function (codes) {
          var code = codes.find(function (c) { return c.rawValue.indexOf("LNLEID1.") === 0; });
          if (!code) { requestAnimationFrame(look); return; }
          stream.getTracks().forEach(function (t) { t.stop(); });
          field.value = code.rawValue;
          var form = document.getElementById("verify-form");
          if (form.requestSubmit) form.requestSubmit(); else form.submit();  // verify.js checks it first
        }, function () { requestAnimationFrame(look); });
      }
      look();
    });
  });
})();
