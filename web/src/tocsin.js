// Tocsin's maps: the dashboard's world map coloured by structural risk, and a situation's
// reports, gathered into cells by the server for the visible box and zoom. The base map is
// Natural Earth's countries served by Tocsin itself; nothing is fetched from elsewhere.
// Pages work without this script; it only adds the maps.
(function () {
  'use strict';
  const element = document.getElementById('map');
  if (!element || typeof maplibregl === 'undefined') return;
  maplibregl.setWorkerUrl('/assets/maplibre-gl-worker.js');

  const json = (url) =>
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(
      (response) => {
        if (!response.ok) throw new Error(url + ': ' + response.status);
        return response.json();
      },
    );

  const status = (text) => {
    const line = document.getElementById('map-status');
    if (line) line.textContent = text;
  };

  Promise.all([json('/assets/countries-110m.json'), json('/assets/iso-numeric.json')])
    .then(([world, isoByNumber]) => {
      const countries = topojson.feature(world, world.objects.countries);
      for (const feature of countries.features) {
        feature.properties.iso3 = isoByNumber[feature.id] || '';
      }
      const map = new maplibregl.Map({
        container: element,
        attributionControl: { compact: true, customAttribution: 'Natural Earth' },
        style: {
          version: 8,
          sources: { countries: { type: 'geojson', data: countries } },
          layers: [
            { id: 'sea', type: 'background', paint: { 'background-color': '#d4e6f1' } },
            {
              id: 'land',
              type: 'fill',
              source: 'countries',
              paint: { 'fill-color': '#f1efe9', 'fill-outline-color': '#9e9e9e' },
            },
          ],
        },
        center: [20, 10],
        zoom: 1,
      });
      map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
      window.tocsinMap = map;
      // Set once everything in view is drawn: scripts and tests wait for it.
      map.on('idle', () => {
        element.dataset.idle = 'true';
      });
      map.on('movestart', () => {
        delete element.dataset.idle;
      });
      map.on('load', () => {
        if (element.dataset.kind === 'risk') riskLayer(map);
        if (element.dataset.kind === 'reports') reportLayer(map, element.dataset.situation, countries);
      });
    })
    .catch((error) => {
      element.dataset.error = String(error);
      status('The map could not be drawn: ' + error.message);
    });

  // Countries coloured by the latest stored forecast's probability.
  function riskLayer(map) {
    json('/api/v1/risk/latest').then((body) => {
      const colour = ['match', ['get', 'iso3']];
      for (const entry of body.forecast.entries) {
        const p = entry.probability;
        const fill =
          p >= 0.1 ? '#a50f15' : p >= 0.05 ? '#de2d26' : p >= 0.02 ? '#fb6a4a' : p >= 0.01 ? '#fcae91' : '#fee5d9';
        colour.push(entry.situation, fill);
      }
      colour.push('#e8e8e8');
      map.setPaintProperty('land', 'fill-color', colour.length > 3 ? colour : '#e8e8e8');
      map.on('click', 'land', (event) => {
        const iso3 = event.features[0].properties.iso3;
        if (iso3) window.location.href = '/situations/' + iso3;
      });
      element.dataset.loaded = String(body.forecast.entries.length);
    });
  }

  // The situation's reports: one circle per cell, sized by its count; a single report's
  // circle opens its number and a link to the inbox.
  function reportLayer(map, situation, countries) {
    const own = countries.features.find((f) => f.properties.iso3 === situation);
    if (own) {
      const box = new maplibregl.LngLatBounds();
      const walk = (c) => (typeof c[0] === 'number' ? box.extend(c) : c.forEach(walk));
      walk(own.geometry.coordinates);
      map.fitBounds(box, { padding: 20, animate: false });
    }
    map.addSource('reports', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: 'reports',
      type: 'circle',
      source: 'reports',
      paint: {
        'circle-color': ['case', ['>', ['get', 'count'], 1], '#de2d26', '#0b57d0'],
        'circle-opacity': 0.8,
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 1,
        'circle-radius': ['interpolate', ['linear'], ['ln', ['get', 'count']], 0, 6, 12, 30],
      },
    });
    let sequence = 0;
    const load = () => {
      const b = map.getBounds();
      const query = new URLSearchParams({
        situation: situation,
        bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((n) => n.toFixed(4)).join(','),
        zoom: map.getZoom().toFixed(2),
      });
      const mine = ++sequence;
      json('/api/v1/map/reports?' + query).then((data) => {
        if (mine !== sequence) return;
        map.getSource('reports').setData(data);
        const singles = data.features.filter((f) => f.properties.report !== null).map((f) => f.properties.report);
        element.dataset.total = String(data.total);
        element.dataset.reports = singles.join(',');
        status(data.total + ' report(s) with a place in view, in ' + data.features.length + ' group(s).');
      }).catch((error) => status('The reports could not be loaded: ' + error.message));
    };
    map.on('moveend', load);
    load();
    map.on('click', 'reports', (event) => {
      const feature = event.features[0];
      const p = feature.properties;
      if (p.count > 1) {
        map.easeTo({ center: feature.geometry.coordinates, zoom: map.getZoom() + 2 });
        return;
      }
      const body = document.createElement('div');
      const link = document.createElement('a');
      link.href = '/reports#report-' + p.report;
      link.textContent = 'Report ' + p.report;
      body.appendChild(link);
      new maplibregl.Popup().setLngLat(feature.geometry.coordinates).setDOMContent(body).addTo(map);
    });
  }
})();
