/*
 * resdet report gallery: draws the cards of data.js (window.RESDET_REPORT) with their boxes as SVG over the
 * thumbnails, re-sorts and re-filters them when the score threshold, sort order or class changes, and opens an
 * image larger with labelled boxes. Plain browser script (no modules, no network): the page works from file://.
 *
 * Box fields (run/report/gallery.ts): ground truth [x, y, w, h, class, score that found it or -1, crowd];
 * detections [x, y, w, h, class, score, status] with status 0 false positive, 1 matched, 2 ignored.
 */
(function () {
  'use strict';
  var R = window.RESDET_REPORT;
  var SVGNS = 'http://www.w3.org/2000/svg';
  var predictions = R.kind === 'predictions';
  var state = { t: R.threshold, sort: predictions ? 'errors' : 'file', cls: -1 };
  var $ = function (id) { return document.getElementById(id); };

  function errors(im, t) {
    var fp = 0, missed = 0;
    im.dets.forEach(function (d) { if (d[5] >= t && d[6] === 0) fp++; });
    im.gt.forEach(function (b) { if (!b[6] && b[5] < t) missed++; });
    return { fp: fp, missed: missed, total: fp + missed };
  }

  function colour(k) { return R.colours[k % R.colours.length]; }

  function rect(svg, b, cls, stroke) {
    var r = document.createElementNS(SVGNS, 'rect');
    r.setAttribute('x', b[0]); r.setAttribute('y', b[1]);
    r.setAttribute('width', b[2]); r.setAttribute('height', b[3]);
    r.setAttribute('class', cls);
    if (stroke) r.setAttribute('stroke', stroke);
    svg.appendChild(r);
  }

  function label(svg, b, text, fill, size) {
    var y = b[1] - size * 0.25 > size ? b[1] - size * 0.25 : b[1] + size;
    var bg = document.createElementNS(SVGNS, 'rect');
    bg.setAttribute('x', b[0]); bg.setAttribute('y', y - size);
    bg.setAttribute('width', text.length * size * 0.6 + size * 0.4); bg.setAttribute('height', size * 1.2);
    bg.setAttribute('class', 'tag'); bg.style.fill = fill;
    svg.appendChild(bg);
    var tx = document.createElementNS(SVGNS, 'text');
    tx.setAttribute('x', b[0] + size * 0.2); tx.setAttribute('y', y - size * 0.05);
    tx.setAttribute('font-size', size);
    tx.textContent = text;
    svg.appendChild(tx);
  }

  /** The boxes of an image at the current threshold; in the large view with labels of `size` image pixels. */
  function overlay(im, size) {
    var withLabels = size > 0;
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + im.w + ' ' + im.h);
    svg.setAttribute('preserveAspectRatio', 'none');
    im.gt.forEach(function (b) {
      var missed = predictions && !b[6] && b[5] < state.t;
      rect(svg, b, 'gt' + (b[6] ? ' crowd' : '') + (missed ? ' missed' : ''), missed ? null : colour(b[4]));
      if (withLabels) label(svg, b, R.classes[b[4]] + (b[6] ? ' (crowd)' : '') + (missed ? ' missed' : ''), missed ? '#d00' : colour(b[4]), size);
    });
    im.dets.forEach(function (d) {
      if (d[5] < state.t) return;
      var fp = d[6] === 0;
      rect(svg, d, 'pred' + (fp ? ' fp' : ''), fp ? null : colour(d[4]));
      if (withLabels) label(svg, [d[0], d[1] + d[3] + size * 1.25], R.classes[d[4]] + ' ' + d[5].toFixed(2) + (fp ? ' ✗' : ''), fp ? '#d00' : colour(d[4]), size);
    });
    return svg;
  }

  function frame(im, src, labelSize) {
    var f = document.createElement('div');
    f.className = 'frame';
    f.style.aspectRatio = im.w + ' / ' + im.h;
    if (src) {
      var img = document.createElement('img');
      img.loading = labelSize ? 'eager' : 'lazy';
      img.src = src;
      img.alt = im.name;
      f.appendChild(img);
    } else {
      f.classList.add('missing');
      f.title = im.problem || 'image not available';
    }
    f.appendChild(overlay(im, labelSize));
    return f;
  }

  function caption(im) {
    var parts = [im.gt.filter(function (b) { return !b[6]; }).length + ' boxes'];
    if (predictions) {
      var e = errors(im, state.t);
      parts.push(im.dets.filter(function (d) { return d[5] >= state.t; }).length + ' detections');
      if (e.fp) parts.push(e.fp + ' false positive' + (e.fp > 1 ? 's' : ''));
      if (e.missed) parts.push(e.missed + ' missed');
    }
    return parts.join(' · ');
  }

  function hasClass(im, k) {
    return im.gt.some(function (b) { return b[4] === k; }) || im.dets.some(function (d) { return d[4] === k && d[5] >= state.t; });
  }

  function ordered() {
    var list = R.images.map(function (im, i) { return { im: im, i: i }; });
    if (state.cls >= 0) list = list.filter(function (x) { return hasClass(x.im, state.cls); });
    var key = {
      errors: function (x) { return errors(x.im, state.t).total; },
      objects: function (x) { return x.im.gt.length; },
      file: function () { return 0; },
    }[state.sort];
    return list.sort(function (a, b) { return key(b) - key(a) || a.i - b.i; });
  }

  function render() {
    var list = ordered();
    var frag = document.createDocumentFragment();
    var withErrors = 0;
    list.forEach(function (x) {
      var card = document.createElement('div');
      card.className = 'card';
      card.dataset.index = String(x.i);
      if (predictions) {
        var n = errors(x.im, state.t).total;
        card.dataset.errors = String(n);
        if (n) withErrors++;
      }
      card.appendChild(frame(x.im, x.im.thumb, 0));
      var c = document.createElement('div');
      c.className = 'caption';
      c.innerHTML = '<b></b><br><span></span>';
      c.firstChild.textContent = x.im.name;
      c.lastChild.textContent = caption(x.im);
      card.appendChild(c);
      card.addEventListener('click', function () { open(x.im); });
      frag.appendChild(card);
    });
    var cards = $('cards');
    cards.textContent = '';
    cards.appendChild(frag);
    $('gallery-count').textContent = list.length + ' image' + (list.length === 1 ? '' : 's') +
      (predictions ? ', ' + withErrors + ' with errors at score ≥ ' + state.t.toFixed(2) : '');
  }

  function open(im) {
    var box = $('viewer-image');
    box.textContent = '';
    // as large as the window allows, labels about 13 screen pixels high
    var width = Math.min(window.innerWidth * 0.86, (window.innerHeight * 0.92 - 90) * im.w / im.h, Math.max(im.w, 640));
    var f = frame(im, im.view, 13 * im.w / width);
    f.style.width = width + 'px';
    box.appendChild(f);
    var text = $('viewer-text');
    text.textContent = '';
    var h = document.createElement('p');
    h.textContent = im.name + ' (' + im.w + ' × ' + im.h + ')' + (im.problem ? ': ' + im.problem : '');
    text.appendChild(h);
    var p = document.createElement('p');
    p.textContent = caption(im);
    text.appendChild(p);
    $('viewer').hidden = false;
  }

  function close() { $('viewer').hidden = true; }

  function init() {
    var filter = $('class-filter');
    R.classes.forEach(function (name, k) {
      var o = document.createElement('option');
      o.value = String(k);
      o.textContent = name;
      filter.appendChild(o);
    });
    filter.addEventListener('change', function () { state.cls = Number(filter.value); render(); });
    $('sort').value = state.sort;
    $('sort').addEventListener('change', function () { state.sort = $('sort').value; render(); });
    var t = $('threshold');
    if (t) {
      t.value = String(state.t);
      t.addEventListener('input', function () {
        state.t = Number(t.value);
        $('threshold-value').textContent = state.t.toFixed(2);
        render();
      });
    }
    $('viewer-close').addEventListener('click', close);
    $('viewer').addEventListener('click', function (e) { if (e.target === $('viewer')) close(); });
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });
    render();
  }

  init();
})();
