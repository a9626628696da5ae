/* The command board's map: open cases coloured by lateness, refreshed with the figures. */
(function () {
  "use strict";
  const node = document.getElementById("board-map");
  if (!node || typeof L === "undefined") return;
  const map = L.map(node).setView([30.75, 120.75], 12);
  const colours = { overdue: "#c62828", warned: "#f9a825", on_time: "#1565c0" };
  const layer = L.layerGroup().addTo(map);
  async function load() {
    const response = await fetch(node.dataset.src, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    layer.clearLayers();
    const points = [];
    data.features.forEach((f) => {
      const [x, y] = f.geometry.coordinates;
      const p = f.properties;
      points.push([y, x]);
      L.circleMarker([y, x], { radius: p.tier === "district" ? 9 : p.tier === "street" ? 7 : 5, color: colours[p.lateness] })
        .bindPopup(`${p.number}<br>${p.category}<br>${p.unit}<br>${p.status}`)
        .addTo(layer);
    });
    if (points.length && !node.dataset.ready) map.fitBounds(points, { maxZoom: 15 });
    node.dataset.ready = "true";
    node.dataset.cases = String(points.length);
  }
  load();
  setInterval(load, 15000);
})();
