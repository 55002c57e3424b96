// Kapula: the process page's diagram in bpmn-js (bpmn.io's navigated viewer: pan with the mouse,
// zoom with the wheel) with the measured overlays. Names and values are put in as text only
// (textContent), never as markup. Without JavaScript the page shows the server's SVG instead.
(function () {
  'use strict';
  // htmx runs this file again when a boosted navigation brings in a process page
  if (window.kapulaDiagram) { window.kapulaDiagram.start(); return; }

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

  function start(tries) {
    var holder = document.getElementById('bpmn-viewer');
    if (!holder || holder.getAttribute('data-started')) { return; }
    if (typeof window.BpmnJS !== 'function') {  // the viewer bundle is still loading
      if ((tries || 0) < 50) { setTimeout(function () { start((tries || 0) + 1); }, 100); }
      return;
    }
    holder.setAttribute('data-started', '1');
    var figure = holder.closest('figure');
    var panel = document.getElementById('stage-panel');
    var data = readJson(holder, 'data-overlays');
    words = readJson(holder, 'data-labels');
    holder.hidden = false;
    var viewer = new window.BpmnJS({ container: holder });
    fetch(holder.getAttribute('data-xml-url'), { credentials: 'same-origin' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
      .then(function (xml) { return viewer.importXML(xml, holder.getAttribute('data-diagram-id') || undefined); })
      .then(function () {
        viewer.get('canvas').zoom('fit-viewport');
        addOverlays(viewer, data, panel, holder.getAttribute('data-metrics-url'));
        if (figure) { figure.classList.add('viewer-ready'); }
        window.kapulaViewer = viewer;
      })
      .catch(function () {
        holder.hidden = true;  // the server's SVG stays in view
        viewer.destroy();
      });
  }

  window.kapulaDiagram = { start: start };
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', function () { start(); }); } else { start(); }
}());
