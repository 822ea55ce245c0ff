/** The exported web page (`index.html`): a drop zone, a file chooser, a score slider, the image with its detections, their list. */

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function pageHtml(title: string, scoreThresh: number): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
  body { font-family: sans-serif; margin: 1.5em; color: #222; }
  #drop { border: 2px dashed #888; border-radius: 8px; padding: 1.5em; text-align: center; }
  #drop.over { border-color: #06c; background: #eef5ff; }
  #view { width: 640px; max-width: 100%; margin-top: 1em; display: block; }
  #list { font-size: 0.85em; }
  body[data-state="error"] #status { color: #b00; }
</style>
</head>
<body data-state="loading">
<h1>${escape(title)}</h1>
<p>Runs in this page with ONNX Runtime Web (WebAssembly): the image does not leave the browser.</p>
<div id="drop">
  <p id="status">loading…</p>
  <input type="file" id="file" accept="image/*">
</div>
<p><label>minimum score <input type="range" id="threshold" min="0" max="1" step="0.01" value="${Math.max(scoreThresh, 0.5)}"> <span id="threshold-value"></span></label></p>
<canvas id="view" width="0" height="0"></canvas>
<pre id="list"></pre>
<script src="ort.wasm.min.js"></script>
<script src="detect.js"></script>
</body>
</html>
`;
}
