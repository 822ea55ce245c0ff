/**
 * The script of the exported web page (written as `detect.js` beside the model): onnxruntime-web's wasm
 * backend from the page's own folder (one thread, so no cross-origin isolation is needed), the model loaded
 * once, and for each dropped or chosen image its pixels read from a canvas as [3, H, W] RGB 0–255 — what the
 * graph takes — then the detections drawn over the image and listed. `window.resdetDetections` holds the
 * last result (boxes in image pixels, labels, class names, scores), `window.resdetMs` the milliseconds it took
 * (pixels to detections, decoding excluded) and `document.body.dataset.state` says 'loading', 'ready',
 * 'running', 'done' or 'error', for scripts that drive the page (the test, bench/web_detector_speed.ts).
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(async () => {
  const info = await (await fetch('model.json')).json();
  const state = (s, text) => { document.body.dataset.state = s; document.getElementById('status').textContent = text; };
  const canvas = document.getElementById('view');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const threshold = document.getElementById('threshold');
  ort.env.wasm.wasmPaths = './';
  ort.env.wasm.numThreads = 1;
  let session;
  try {
    state('loading', 'loading the model…');
    session = await ort.InferenceSession.create('model.onnx', { executionProviders: ['wasm'] });
    state('ready', 'drop an image here, or choose one');
  } catch (e) {
    state('error', 'cannot load the model: ' + e.message);
    return;
  }
  let last = null;

  function planar(img) {
    canvas.width = img.width;
    canvas.height = img.height;
    ctx.drawImage(img, 0, 0);
    const rgba = ctx.getImageData(0, 0, img.width, img.height).data;
    const plane = img.width * img.height;
    const out = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = rgba[4 * p + c];
    return out;
  }

  function colour(label) {
    return 'hsl(' + Math.round((label * 137.5) % 360) + ', 90%, 50%)';
  }

  function draw() {
    if (!last) return;
    ctx.drawImage(last.image, 0, 0);
    const min = Number(threshold.value);
    document.getElementById('threshold-value').textContent = min.toFixed(2);
    const shown = last.detections.filter((d) => d.score >= min);
    ctx.lineWidth = Math.max(2, Math.round(last.image.width / 300));
    ctx.font = Math.max(12, Math.round(last.image.width / 50)) + 'px sans-serif';
    for (const d of shown) {
      const [x1, y1, x2, y2] = d.box;
      ctx.strokeStyle = ctx.fillStyle = colour(d.label);
      ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
      ctx.fillText(d.className + ' ' + d.score.toFixed(2), x1 + 2, Math.max(y1 - 4, 12));
    }
    document.getElementById('list').textContent = shown.map((d) => d.className + '  ' + d.score.toFixed(3) + '  [' + d.box.map((v) => v.toFixed(1)).join(', ') + ']').join('\n');
  }

  async function detect(file) {
    state('running', 'detecting…');
    try {
      const image = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
      const t0 = performance.now();
      const out = await session.run({ image: new ort.Tensor('float32', planar(image), [3, image.height, image.width]) });
      const ms = performance.now() - t0;
      const boxes = out.boxes.data, labels = out.labels.data, scores = out.scores.data;
      const detections = Array.from(scores, (score, k) => ({
        box: Array.from(boxes.slice(4 * k, 4 * k + 4)),
        label: Number(labels[k]),
        className: info.classes.names[Number(labels[k])],
        score,
      }));
      last = { image, detections };
      window.resdetDetections = detections;
      window.resdetMs = ms;
      draw();
      state('done', detections.length + ' detection(s) in ' + ms.toFixed(0) + ' ms (' + image.width + 'x' + image.height + ')');
    } catch (e) {
      state('error', 'detection failed: ' + e.message);
    }
  }

  const drop = document.getElementById('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) detect(e.dataTransfer.files[0]);
  });
  document.getElementById('file').addEventListener('change', (e) => { if (e.target.files[0]) detect(e.target.files[0]); });
  threshold.addEventListener('input', draw);
})();
`;
