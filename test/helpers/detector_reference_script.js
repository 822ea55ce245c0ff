// The child process of detector_reference.ts (plain node, dist/): a random detector with calibrated batch norm
// saved as a checkpoint, test images, resdet's detections of them, the ONNX export, and ONNX Runtime's.
const [ROOT, specJson, dir] = process.argv.slice(2);
const D = require('path').join(ROOT, 'dist');
const tf = require(require.resolve('@tensorflow/tfjs', { paths: [D] }));
const fs = require('fs'), path = require('path');
const sharp = require(require.resolve('sharp', { paths: [D] }));

/** A noise image with gradients and a few flat rectangles, deterministic from the seed. */
async function testImage(file, width, height, seed) {
  const data = Buffer.alloc(width * height * 3);
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16) / 65536;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.floor(40 * rnd() + (x * (c + 1) * 97) / width + (y * 60) / height);
  for (let r = 0; r < 4; r++) {
    const [x0, y0] = [Math.floor(rnd() * width * 0.7), Math.floor(rnd() * height * 0.7)];
    const [w, h] = [Math.floor(width * (0.15 + 0.25 * rnd())), Math.floor(height * (0.15 + 0.25 * rnd()))];
    const col = [255 * rnd(), 255 * rnd(), 255 * rnd()];
    for (let y = y0; y < Math.min(height, y0 + h); y++)
      for (let x = x0; x < Math.min(width, x0 + w); x++) for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = col[c];
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

async function ortDetections(session, ort, file) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h } = info;
  const chw = new Float32Array(3 * h * w);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 3; c++) chw[c * h * w + i] = data[3 * i + c];
  const out = await session.run({ image: new ort.Tensor('float32', chw, [3, h, w]) });
  const n = out.scores.dims[0];
  return Array.from({ length: n }, (_, k) => ({
    box: Array.from(out.boxes.data.slice(4 * k, 4 * k + 4)),
    label: Number(out.labels.data[k]),
    score: out.scores.data[k],
  }));
}

(async () => {
  const s = JSON.parse(specJson);
  await require(D + '/engine/backend').initBackend(s.backend);
  const { loadConfig } = require(D + '/run/config');
  const { DETECTOR_DEFAULTS, DETECTOR_SCHEMA } = require(D + '/detection/config');
  const { buildDetectorModel } = require(D + '/detection/modeling/detector_model');
  const { calibrateBatchNorm, benchImage } = require(D + '/detection/detector_bench');
  const { saveCheckpoint } = require(D + '/run/checkpoint');
  const { classMapFromNames } = require(D + '/datasets/detection/record');
  const { loadDetector } = require(D + '/detection/detector');
  const { exportCheckpoint } = require(D + '/export/export_checkpoint');
  const cfg = loadConfig({ file: path.join(ROOT, s.config), defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, sets: s.sets || [] });
  const K = s.numClasses;
  const model = buildDetectorModel(cfg.model, K);
  const im = { height: s.calibrate[0], width: s.calibrate[1] };
  const x = benchImage(im);
  calibrateBatchNorm(model, x, im, K);
  x.dispose();
  // random heads score every class alike; wider class weights spread the scores so that rankings are clear
  const w = model.roiHeads.boxPredictor.clsScore.weight.variable;
  tf.tidy(() => w.assign(tf.mul(w, s.classWeightScale)));
  model.eval();
  const names = Array.from({ length: K }, (_, i) => 'class' + i);
  const ckpt = await saveCheckpoint(path.join(dir, s.name), 'step-0000001', model, { kind: 'detector', step: 1, classes: classMapFromNames(names), config: cfg });
  model.dispose();
  const files = [];
  for (const [i, [width, height]] of s.images.entries()) {
    const f = path.join(dir, `${s.name}-${width}x${height}.png`);
    await testImage(f, width, height, s.seed + i);
    files.push(f);
  }
  const det = await loadDetector(ckpt);
  const resdet = [];
  for (const f of files) resdet.push((await det.detect(f, 0)).map((d) => ({ box: d.box, label: d.label, score: d.score })));
  det.dispose();
  const onnxFile = path.join(dir, s.name + '.onnx');
  fs.writeFileSync(onnxFile, (await exportCheckpoint(ckpt, { opset: s.opset })).bytes);
  const ort = require(require.resolve('onnxruntime-node', { paths: [D] }));
  const session = await ort.InferenceSession.create(onnxFile, { logSeverityLevel: 3 });
  const onnx = [];
  for (const f of files) onnx.push(await ortDetections(session, ort, f));
  fs.writeFileSync(path.join(dir, s.name + '.json'), JSON.stringify({ checkpoint: ckpt, onnxFile, files, resdet, onnx }));
})().catch((e) => { console.error(e.stack); process.exit(1); });
