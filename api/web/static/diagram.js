// Kapula: the process page's diagram in bpmn-js (bpmn.io's navigated viewer: pan with the mouse,
// zoom with the wheel) with the measured overlays. Names and values are put in as text only
// (textContent), never as markup. Without JavaScript, or when bpmn-js fails, the page shows the
// server's drawing instead.
//
// Loaded on every page from base.html's <head>: a boosted navigation swaps the page's body in, and
// htmx runs no <script> in it (allowScriptTags is off, the CSP allows no inline script), so this
// file starts every diagram container it finds on load and after each htmx swap, once per container,
// and fetches the viewer bundle (data-viewer-script, from the app's origin) the first time one needs it.
(function () {
  'use strict';
  if (window.kapulaDiagram) { return; }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function readJson(holder, name) {
    try { return JSON.parse(holder.getAttribute(name) || '{}'); } catch (e) { return {}; }
  }

  // the page's words, in its language (process.html's data-labels, from the message catalogs)
  var words = {};

  function statsPanel(panel, id, data, metricsUrl) {
    panel.textContent = '';
    panel.hidden = false;
    panel.appendChild(el('h3', null, data.name || id));
    var s = data.stats || {};
    var rows = [
      [words.lane, data.lane || '–'],
      [words.completed, s.count],
      [words.cancelled, s.cancelled],
      [words.waiting, data.waiting || 0],
      [words.duration, [s.duration && s.duration.median, s.duration && s.duration.p90, s.duration && s.duration.max].map(function (v) { return v || '–'; }).join(' / ')],
      [words.pickup, (s.waiting && s.waiting.median) || '–'],
      [words.working, (s.working && s.working.median) || '–']
    ];
    var dl = el('dl', 'facts');
    rows.forEach(function (row) { dl.appendChild(el('dt', null, row[0])); dl.appendChild(el('dd', null, row[1])); });
    panel.appendChild(dl);
    if (metricsUrl) {
      var link = el('a', null, words.all_stages);
      link.href = metricsUrl + '#stages';
      panel.appendChild(link);
    }
  }

  function addOverlays(viewer, data, panel, metricsUrl) {
    var overlays = viewer.get('overlays');
    var registry = viewer.get('elementRegistry');
    var canvas = viewer.get('canvas');
    var elements = data.elements || {};
    Object.keys(elements).forEach(function (id) {
      var shape = registry.get(id);
      var d = elements[id];
      if (!shape || shape.waypoints) { return; }
      if (d.heat) {
        var gfx = registry.getGraphics(shape);
        var visual = gfx && gfx.querySelector('.djs-visual > rect, .djs-visual > circle, .djs-visual > polygon');
        if (visual) { visual.style.fill = d.heat; }
      }
      if (d.median) {
        overlays.add(id, 'kapula-median', { position: { top: -10, left: 0 }, html: el('span', 'kapula-badge kapula-median', words.median + ' ' + d.median) });
      }
      if (d.waiting) {
        overlays.add(id, 'kapula-waiting', { position: { top: -10, right: 10 }, html: el('span', 'kapula-badge kapula-waiting', d.waiting) });
      }
      canvas.addMarker(id, 'kapula-measured');
    });
    (data.handoffs || []).forEach(function (h) {
      var flow = registry.get(h.flow);
      if (!flow || !flow.waypoints) { return; }
      var pts = flow.waypoints;
      var a = pts[pts.length - 2], b = pts[pts.length - 1];
      var minX = Math.min.apply(null, pts.map(function (p) { return p.x; }));
      var minY = Math.min.apply(null, pts.map(function (p) { return p.y; }));
      canvas.addMarker(h.flow, 'kapula-handoff');
      overlays.add(h.flow, 'kapula-handoff', {
        position: { left: (a.x + b.x) / 2 - minX - 34, top: (a.y + b.y) / 2 - minY - 18 },
        html: el('span', 'kapula-badge kapula-handoff-count', h.count + '× ' + words.handoffs)
      });
    });
    viewer.on('element.click', function (event) {
      var id = event.element && event.element.id;
      if (id && elements[id]) { statsPanel(panel, id, elements[id], metricsUrl); }
    });
  }

  // the viewer bundle: one <script> for all containers, asked for when the first one needs it
  var bundle = { state: 'none', waiting: [] };

  function withBpmnJS(src, then) {
    if (typeof window.BpmnJS === 'function') { then(true); return; }
    bundle.waiting.push(then);
    if (bundle.state === 'loading') { return; }
    bundle.state = 'loading';
    var script = document.createElement('script');
    script.src = src;
    function done() {
      var ok = typeof window.BpmnJS === 'function';
      bundle.state = ok ? 'loaded' : 'none';  // a failed load is tried again on the next page
      var waiting = bundle.waiting;
      bundle.waiting = [];
      waiting.forEach(function (fn) { fn(ok); });
    }
    script.onload = done;
    script.onerror = done;
    document.head.appendChild(script);
  }

  // viewers of containers a swap took out of the page are destroyed, so none keeps listening
  var viewers = [];

  function forgetDetached() {
    viewers = viewers.filter(function (v) {
      if (v.holder.isConnected) { return true; }
      v.viewer.destroy();
      return false;
    });
  }

  function open(holder) {
    var figure = holder.closest('figure');
    var panel = (figure && figure.querySelector('.stage-panel')) || document.getElementById('stage-panel');
    var data = readJson(holder, 'data-overlays');
    var viewer;
    function fallBack() {
      holder.hidden = true;  // the server's drawing stays in view
      if (figure) { figure.classList.remove('viewer-ready'); }
      var kept = viewers.filter(function (v) { return v.viewer !== viewer; });
      if (viewer && kept.length < viewers.length) { viewers = kept; viewer.destroy(); }
    }
    words = readJson(holder, 'data-labels');
    try {
      holder.hidden = false;
      viewer = new window.BpmnJS({ container: holder });
    } catch (e) { fallBack(); return; }
    viewers.push({ holder: holder, viewer: viewer });
    fetch(holder.getAttribute('data-xml-url'), { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml, holder.getAttribute('data-diagram-id') || undefined); })
      .then(function () {
        if (!holder.isConnected) { return; }
        viewer.get('canvas').zoom('fit-viewport');
        addOverlays(viewer, data, panel, holder.getAttribute('data-metrics-url'));
        if (figure) { figure.classList.add('viewer-ready'); }
        window.kapulaViewer = viewer;
      })
      .catch(fallBack);
  }

  function start() {
    forgetDetached();
    var holders = document.querySelectorAll('.bpmn-viewer[data-xml-url]');
    Array.prototype.forEach.call(holders, function (holder) {
      if (holder.hasAttribute('data-started')) { return; }  // never two viewers in one container
      holder.setAttribute('data-started', '1');
      withBpmnJS(holder.getAttribute('data-viewer-script'), function (ok) {
        if (!holder.isConnected) { return; }
        if (ok) { open(holder); } else { holder.hidden = true; }
      });
    });
  }

  window.kapulaDiagram = { start: start };
  // htmx:load comes for the page when htmx starts and for what each swap brings in
  document.addEventListener('htmx:load', start);
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
