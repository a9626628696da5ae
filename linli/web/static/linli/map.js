/* Linli e-map and "find my police room". Vanilla JS over Leaflet; every UI string comes from
   the page (#map-config), so this file holds no text of its own. */
(function () {
  "use strict";
  const configNode = document.getElementById("map-config");
  if (!configNode || typeof L === "undefined") return;
  const config = JSON.parse(configNode.textContent);
  const T = config.text;
  L.Icon.Default.imagePath = config.leaflet_images;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    (children || []).forEach((c) => node.append(c));
    return node;
  }

  function row(label, value, key) {
    return el("div", { class: "row", "data-field": key }, [
      el("dt", {}, [label]), el("dd", {}, [value == null || value === "" ? "—" : String(value)]),
    ]);
  }

  async function getJSON(url) {
    // The API answers in the page's language, not the browser's.
    const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang };
    const response = await fetch(url, { headers });
    const body = await response.json().catch(() => ({}));
    return { status: response.status, body };
  }

  function showLocation(panel, data) {
    panel.replaceChildren();
    panel.hidden = false;
    const list = el("dl", { class: "facts" });
    ["micro_grid", "grid", "community", "street"].forEach((level) => {
      if (data[level]) list.append(row(T[level], data[level].name, level));
    });
    panel.append(list);
    const room = data.police_room;
    if (room) {
      const card = el("section", { class: "room-card", id: "result-room", "data-room-id": room.id }, [
        el("h3", {}, [room.name]),
      ]);
      const facts = el("dl", { class: "facts" });
      facts.append(row(T.brand, room.brand, "brand"), row(T.hours, room.hours, "hours"));
      facts.append(row(T.phone, room.phone, "phone"), row(T.address, room.address, "address"));
      card.append(facts, el("p", { class: room.open_now ? "open" : "closed" }, [room.open_now ? T.open : T.closed]));
      const duty = data.officer_on_duty;
      card.append(el("p", { class: "on-duty", id: "result-officer" }, [
        duty ? `${T.on_duty}: ${duty.name} · ${duty.phone}` : T.nobody,
      ]));
      panel.append(card);
    }
  }

  async function locateAt(latlng, panel, marker) {
    marker.setLatLng(latlng);
    const url = `${config.api.locate}?lon=${latlng.lng.toFixed(6)}&lat=${latlng.lat.toFixed(6)}`;
    try {
      const { status, body } = await getJSON(url);
      if (status === 200) showLocation(panel, body);
      else message(panel, status === 404 ? T.outside : T.failed);
    } catch (error) {
      message(panel, T.failed);
    }
  }

  function message(panel, text) {
    panel.hidden = false;
    panel.replaceChildren(el("p", { class: "notice" }, [text]));
  }

  function baseMap(node) {
    // ?lon=…&lat=… opens the map on a place (links shared between officers, and tests).
    const params = new URLSearchParams(window.location.search);
    const lon = parseFloat(params.get("lon"));
    const lat = parseFloat(params.get("lat"));
    const focused = Number.isFinite(lon) && Number.isFinite(lat);
    const map = L.map(node, { zoomControl: true, preferCanvas: true })
      .setView(focused ? [lat, lon] : config.center, focused ? 16 : 12);
    if (config.tiles) {
      L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function areaLayer(map, level, style, labelled) {
    const layer = L.geoJSON(null, {
      style: () => style,
      interactive: false,
      onEachFeature: (feature, layer) => {
        if (labelled) layer.bindTooltip(feature.properties.name, { sticky: true });
      },
    });
    getJSON(`${config.api.areas}?level=${level}&within=${config.district}&simplify=0.0001`).then(({ body }) => {
      if (body.features) layer.addData(body);
    });
    return layer;
  }

  function roomPopup(room) {
    const box = el("div", { class: "room-popup", "data-room-id": room.id }, [el("strong", {}, [room.name])]);
    const facts = el("dl", { class: "facts" });
    facts.append(row(T.brand, room.brand, "brand"), row(T.hours, room.hours, "hours"));
    facts.append(row(T.phone, room.phone, "phone"), row(T.on_duty, room.officer_on_duty || T.nobody, "on_duty"));
    box.append(facts);
    return box;
  }

  async function roomLayer(layer, node) {
    let offset = 0;
    let shown = 0;
    for (;;) {
      const { body } = await getJSON(`${config.api.rooms}?limit=100&offset=${offset}`);
      (body.items || []).forEach((room) => {
        L.circleMarker([room.lat, room.lon], {
          radius: 7, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.95,
        }).bindPopup(() => roomPopup(room)).addTo(layer);
        shown += 1;
      });
      offset += 100;
      if (!body.items || offset >= body.count) break;
    }
    node.dataset.rooms = String(shown);
  }

  function microGridLayer(map) {
    // Micro-grids are many: load them only when zoomed in, for the communities in view.
    const layer = L.geoJSON(null, { style: () => ({ color: "#6b7785", weight: 0.6, fill: false }), interactive: false });
    const loaded = new Set();
    async function refresh() {
      if (!map.hasLayer(layer) || map.getZoom() < 14) return;
      const center = map.getCenter();
      const { status, body } = await getJSON(`${config.api.locate}?lon=${center.lng.toFixed(6)}&lat=${center.lat.toFixed(6)}`);
      if (status !== 200 || !body.community || loaded.has(body.community.code)) return;
      loaded.add(body.community.code);
      const { body: areas } = await getJSON(`${config.api.areas}?level=micro_grid&within=${body.community.code}`);
      if (areas.features) layer.addData(areas);
    }
    map.on("moveend overlayadd", refresh);
    return layer;
  }

  function emap(node) {
    const map = baseMap(node);
    const panel = document.getElementById("locate-result");
    const streets = areaLayer(map, "street", { color: "#0b5cad", weight: 2.5, fillOpacity: 0.04 }, true).addTo(map);
    const communities = areaLayer(map, "community", { color: "#3d7cc9", weight: 1, fillOpacity: 0.02 }, true).addTo(map);
    const grids = areaLayer(map, "grid", { color: "#8aa9cf", weight: 0.6, fill: false }, false);
    const micro = microGridLayer(map);
    const rooms = L.layerGroup().addTo(map);
    roomLayer(rooms, node);
    const overlays = {};
    overlays[T.streets] = streets;
    overlays[T.communities] = communities;
    overlays[T.grids] = grids;
    overlays[T.micro_grids] = micro;
    overlays[T.rooms] = rooms;
    L.control.layers(null, overlays, { collapsed: window.innerWidth < 700 }).addTo(map);
    const marker = L.marker(config.center, { opacity: 0 }).addTo(map);
    map.on("click", (event) => {
      marker.setOpacity(1);
      locateAt(event.latlng, panel, marker);
    });
    node.dataset.ready = "true";
    return map;
  }

  function homeMap(node) {
    const map = baseMap(node);
    const panel = document.getElementById("locate-result");
    areaLayer(map, "community", { color: "#3d7cc9", weight: 1, fillOpacity: 0.03 }, false).addTo(map);
    const marker = L.marker(config.center, { opacity: 0 }).addTo(map);
    map.on("click", (event) => {
      marker.setOpacity(1);
      locateAt(event.latlng, panel, marker);
    });
    const button = document.getElementById("use-location");
    if (button) {
      button.addEventListener("click", () => {
        if (!navigator.geolocation) return message(panel, T.no_geolocation);
        message(panel, T.locating);
        navigator.geolocation.getCurrentPosition(
          (position) => {
            const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
            map.setView(latlng, 15);
            marker.setOpacity(1);
            locateAt(latlng, panel, marker);
          },
          () => message(panel, T.no_geolocation),
          { enableHighAccuracy: true, timeout: 10000 },
        );
      });
    }
    node.dataset.ready = "true";
  }

  const emapNode = document.getElementById("emap");
  if (emapNode) emap(emapNode);
  const homeNode = document.getElementById("home-map");
  if (homeNode) homeMap(homeNode);
})();
