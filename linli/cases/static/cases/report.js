/* The report form: the place comes from the QR code, the device, or a tap on the map. */
(function () {
  "use strict";
  const lon = document.getElementById("id_lon");
  const lat = document.getElementById("id_lat");
  const mapNode = document.getElementById("report-map");
  const configNode = document.getElementById("report-config");
  if (!mapNode || !configNode || typeof L === "undefined") return;
  const config = JSON.parse(configNode.textContent);
  const map = L.map(mapNode).setView(config.center, 14);
  if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
  let marker = null;
  function place(latlng) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    if (marker) marker.setLatLng(latlng);
    else marker = L.circleMarker(latlng, { radius: 9, color: "#0b3d91" }).addTo(map);
  }
  if (lon.value && lat.value) place(L.latLng(Number(lat.value), Number(lon.value)));
  map.on("click", (event) => place(event.latlng));
  const button = document.getElementById("report-locate");
  if (button && navigator.geolocation) {
    button.addEventListener("click", () =>
      navigator.geolocation.getCurrentPosition((pos) => {
        const latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
        map.setView(latlng, 16);
        place(latlng);
      })
    );
  }
  mapNode.dataset.ready = "true";
})();
