/**
 * The detector from the command line, as a new user runs it: train (then Ctrl-C and --resume), predict,
 * eval model, finetune on a CSV dataset with other classes; bad input exits 2; the same chain with an FPN
 * checkpoint (configs/faster_rcnn_R_50_FPN_coco.yaml shrunk). Tiny settings keep it short.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { runCli, ROOT } from '../helpers/cli';
import { JsonlLog } from '../../run/jsonl_log';
import { readSafetensorsHeader } from '../../engine/safetensors';
import { tempDir } from '../helpers/temp_dir';

const tmp = tempDir('det-cli');
const data = path.join(tmp, 'data');
const TINY = [
  `data.train.path=${data}`, `data.test.path=${data}`, 'data.train.split=train', 'data.test.split=train',
  'data.shortSides=[96]', 'data.maxSize=128', 'data.testShortSide=96', 'model.widthMultiplier=0.125',
  'model.rpn.preNmsTopNTrain=200', 'model.rpn.postNmsTopNTrain=20', 'model.rpn.preNmsTopNTest=200', 'model.rpn.postNmsTopNTest=20',
  'model.roiHeads.batchSizePerImage=16', 'solver.imsPerBatch=2', 'checkpoint.period=2',
].flatMap((s) => ['--set', s]);
const demoConfig = path.join(ROOT, 'configs', 'demo.yaml');
const run = path.join(tmp, 'run');

beforeAll(() => {
  const r = runCli(['data', 'synth', '--out', data, '--images', '6', '--seed', '4', '--format', 'coco', '--split', 'train']);
  expect(r.code).toBe(0);
  const t = runCli(['train', demoConfig, '--out', run, '--quiet', ...TINY, '--set', 'solver.maxIters=4']);
  expect(t.stderr).not.toMatch(/error/);
  expect(t.code).toBe(0);
});

test('train: log, checkpoints, effective config and evaluation', () => {
  const log = JsonlLog.read(path.join(run, 'log.jsonl'));
  expect(log.filter((r) => r.type === 'train').map((r) => r.step)).toEqual([1, 2, 3, 4]);
  expect(log.find((r) => r.type === 'eval')!.images).toBe(6);
  for (const f of ['step-0000002.safetensors', 'step-0000004.safetensors', 'step-0000004.json', 'config.yaml', 'last_checkpoint']) {
    expect(fs.existsSync(path.join(run, f))).toBe(true);
  }
  // the evaluation keeps its ground truth and metrics beside the detections, and the run ends with its report
  for (const f of ['detections.json', 'ground_truth.json', 'metrics.json']) expect(fs.existsSync(path.join(run, 'eval', 'step-4', f))).toBe(true);
  const page = fs.readFileSync(path.join(run, 'report', 'index.html'), 'utf8');
  expect(page).toContain('evaluation at step 4');
  expect(fs.readdirSync(path.join(run, 'report', 'images'))).toHaveLength(12);
});

test('predict writes a COCO results file in original pixels and drawn images', () => {
  const images = path.join(data, 'train');
  const out = path.join(tmp, 'pred');
  const r = runCli(['predict', '--weights', run, images, '--out', out, '--score-thresh', '0', '--quiet']);
  expect(r.code).toBe(0);
  const dets = JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8'));
  expect(dets.length).toBeGreaterThan(0);
  const gt = JSON.parse(fs.readFileSync(path.join(data, 'annotations', 'instances_train.json'), 'utf8'));
  const sizes = new Map<string, { width: number; height: number }>(gt.images.map((i: { file_name: string; width: number; height: number }) => [i.file_name, i]));
  for (const d of dets) {
    expect([1, 2, 3, 4]).toContain(d.category_id);
    const size = sizes.get(path.basename(d.file_name))!;
    expect(d.bbox[0] + d.bbox[2]).toBeLessThanOrEqual(size.width + 1e-3);
    expect(d.bbox[1] + d.bbox[3]).toBeLessThanOrEqual(size.height + 1e-3);
  }
  expect(fs.readdirSync(out).filter((f) => f.endsWith('.jpg'))).toHaveLength(6);
});

test('eval model reports COCO and VOC metrics and keeps the detections', () => {
  const json = path.join(tmp, 'eval.json');
  const r = runCli(['eval', 'model', '--weights', run, '--json', json, '--quiet']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/AP @\[\.50:\.95\]/);
  const m = JSON.parse(fs.readFileSync(json, 'utf8'));
  expect(Object.keys(m).sort()).toEqual(['coco_ap', 'coco_ap50', 'coco_ap75', 'coco_ap_large', 'coco_ap_medium', 'coco_ap_small', 'detections', 'images', 'skipped_images', 'voc07_map50', 'voc_area_map50']);
  expect(m.images).toBe(6);
  expect(fs.existsSync(path.join(run, 'eval', 'detections.json'))).toBe(true);
  expect(r.stdout).toContain(`report: ${path.join(run, 'report', 'index.html')}`);
  expect(fs.readFileSync(path.join(run, 'report', 'index.html'), 'utf8')).toContain(' — evaluation in eval — ');

  // --set model.… reaches the detector (inference settings), not only the data config
  const one = path.join(tmp, 'eval-one.json');
  const r1 = runCli(['eval', 'model', '--weights', run, '--json', one, '--quiet', '--set', 'model.roiHeads.detectionsPerImage=1', '--set', 'model.roiHeads.scoreThresh=0']);
  expect(r1.code).toBe(0);
  expect(m.detections).toBeGreaterThan(6); // every image has a box at score > 0: exactly one each
  expect(JSON.parse(fs.readFileSync(one, 'utf8')).detections).toBe(6);
});

/** The synthetic data as a CSV dataset with two other classes (round, angular). */
function otherClassesCsv(): string {
  const csv = path.join(data, 'boxes.csv');
  if (fs.existsSync(csv)) return csv;
  const gt = JSON.parse(fs.readFileSync(path.join(data, 'annotations', 'instances_train.json'), 'utf8'));
  const files = new Map<number, string>(gt.images.map((i: { id: number; file_name: string }) => [i.id, i.file_name]));
  const lines = gt.annotations.map((a: { image_id: number; bbox: number[]; category_id: number }) => {
    const [x, y, w, h] = a.bbox;
    return [path.join('train', files.get(a.image_id)!), x, y, x + w, y + h, a.category_id === 1 ? 'round' : 'angular'].join(',');
  });
  fs.writeFileSync(csv, lines.join('\n') + '\n');
  return csv;
}

test('finetune on a CSV with other classes re-initialises the class-specific layers only', async () => {
  const csv = otherClassesCsv();
  const out = path.join(tmp, 'ft');
  const r = runCli(['finetune', '--weights', run, '--data', csv, '--classes', 'round,angular', '--iters', '2', '--out', out, '--quiet', '--set', 'checkpoint.period=2']);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/re-initialised for the new classes: roi_heads.box_predictor/);
  const header = await readSafetensorsHeader(path.join(out, 'step-0000002.safetensors'));
  expect(header.entries.get('roi_heads.box_predictor.cls_score.weight')!.shape[0]).toBe(3);
  expect(header.entries.get('roi_heads.box_predictor.bbox_pred.weight')!.shape[0]).toBe(12);
  const bad = runCli(['finetune', '--weights', run, '--data', csv, '--classes', 'round', '--iters', '1', '--out', path.join(tmp, 'ft2')]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/angular/);
});

test('FPN: the COCO FPN config trains; predict, eval model and finetune take its checkpoint', async () => {
  const fpn = path.join(tmp, 'fpn');
  const shrink = [
    'model.pretrained=null', 'model.arch=resnet18', 'model.batchNorm=train', 'model.freezeAt=0', 'model.fpn.outChannels=32',
    'model.roiHeads.mlpDim=64', 'model.rpn.anchorSizes=[16,32,64,128,256]', 'solver.maxIters=2',
  ].flatMap((s) => ['--set', s]);
  const t = runCli(['train', path.join(ROOT, 'configs', 'faster_rcnn_R_50_FPN_coco.yaml'), '--out', fpn, '--quiet', ...TINY, ...shrink]);
  expect(t.stderr).not.toMatch(/error/);
  expect(t.code).toBe(0);
  expect(t.stdout).toMatch(/trained for 2 iterations/);
  const header = await readSafetensorsHeader(path.join(fpn, 'step-0000002.safetensors'));
  expect(header.entries.has('backbone.fpn.inner_blocks.0.weight')).toBe(true);
  expect(header.entries.has('roi_heads.box_head.fc6.weight')).toBe(true);

  const pred = path.join(tmp, 'fpn-pred');
  const p = runCli(['predict', '--weights', fpn, path.join(data, 'train'), '--out', pred, '--score-thresh', '0', '--no-draw', '--quiet']);
  expect(p.code).toBe(0);
  expect(Array.isArray(JSON.parse(fs.readFileSync(path.join(pred, 'detections.json'), 'utf8')))).toBe(true);

  const json = path.join(tmp, 'fpn-eval.json');
  const e = runCli(['eval', 'model', '--weights', fpn, '--json', json, '--limit', '3', '--quiet']);
  expect(e.code).toBe(0);
  expect(JSON.parse(fs.readFileSync(json, 'utf8')).images).toBe(3);

  const ft = path.join(tmp, 'fpn-ft');
  const f = runCli(['finetune', '--weights', fpn, '--data', otherClassesCsv(), '--classes', 'round,angular', '--iters', '1', '--out', ft, '--quiet', '--set', 'eval.limit=2']);
  expect(f.stderr).not.toMatch(/error/);
  expect(f.code).toBe(0);
  expect(f.stdout).toMatch(/re-initialised for the new classes: roi_heads.box_predictor/);
  const ftHeader = await readSafetensorsHeader(path.join(ft, 'step-0000001.safetensors'));
  expect(ftHeader.entries.get('roi_heads.box_predictor.cls_score.weight')!.shape[0]).toBe(3);
  expect(ftHeader.entries.get('roi_heads.box_head.fc6.weight')!.shape).toEqual(header.entries.get('roi_heads.box_head.fc6.weight')!.shape);
}, 120000);

test('bad input: a missing image, a config key that does not exist', () => {
  const r = runCli(['predict', '--weights', run, path.join(tmp, 'nope.jpg')]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('nope.jpg');
  const c = runCli(['train', demoConfig, '--set', 'model.rpn.anchors=[1]']);
  expect(c.code).toBe(2);
  expect(c.stderr).toMatch(/config key 'model.rpn.anchors' does not exist/);
});

test('Ctrl-C saves a checkpoint; --resume continues with the losses of an uninterrupted run', async () => {
  const full = path.join(tmp, 'full');
  const cut = path.join(tmp, 'cut');
  const args = (out: string) => ['train', demoConfig, '--out', out, '--quiet', ...TINY, '--set', 'solver.maxIters=12', '--set', 'checkpoint.period=100', '--set', 'eval.period=0'];
  expect(runCli(args(full)).code).toBe(0);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), ...args(cut)], { cwd: ROOT, env: { ...process.env, RESDET_BACKEND: 'wasm' } });
  const code = await new Promise<number>((resolve) => {
    const timer = setInterval(() => {
      const log = path.join(cut, 'log.jsonl');
      if (fs.existsSync(log) && JsonlLog.read(log).some((r) => r.type === 'train' && (r.step as number) >= 2)) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 50);
    child.on('exit', (c) => {
      clearInterval(timer);
      resolve(c ?? -1);
    });
  });
  expect(code).toBe(130);
  const stopped = JsonlLog.read(path.join(cut, 'log.jsonl')).filter((r) => r.type === 'train').length;
  expect(stopped).toBeGreaterThanOrEqual(2);
  expect(stopped).toBeLessThan(12);
  expect(runCli([...args(cut), '--resume']).code).toBe(0);
  const losses = (dir: string) => JsonlLog.read(path.join(dir, 'log.jsonl')).filter((r) => r.type === 'train').map((r) => [r.step, r.loss, r.lr]);
  expect(losses(cut)).toEqual(losses(full));
}, 300000);

test('demo: synthetic data, training, both metrics, report, drawn predictions; the cpu backend gets the shortened schedule', () => {
  const out = path.join(tmp, 'demo');
  const tiny = TINY.filter((s, i) => !/^data\.(train|test)\.(path|split)=/.test(s) && !/^data\.(train|test)\.(path|split)=/.test(TINY[i + 1] ?? ''));
  const r = runCli(['demo', '--out', out, '--train-images', '6', '--val-images', '3', '--max-iters', '3', '--quiet', ...tiny]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/demo: VOC07 mAP@0\.5 \d\.\d{3}, COCO AP \d\.\d{3}/);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  expect(Object.keys(m).sort()).toEqual(['backend', 'checkpoint', 'coco_ap', 'coco_ap50', 'train_seconds', 'voc07_map50']);
  for (const k of ['voc07_map50', 'coco_ap', 'coco_ap50']) expect(m[k]).toBeGreaterThanOrEqual(0);
  expect(m.backend).toBe('wasm');
  expect(m.train_seconds).toBeGreaterThan(0);
  expect(path.isAbsolute(m.checkpoint)).toBe(false);
  expect(fs.existsSync(path.join(ROOT, m.checkpoint))).toBe(true);
  expect(m.checkpoint).toMatch(/step-0000003\.safetensors$/);
  const report = fs.readFileSync(path.join(out, 'REPORT.md'), 'utf8');
  expect(report).toContain(m.voc07_map50.toFixed(3));
  for (const f of ['loss.png', 'eval/detections.json', 'report/index.html', 'report/plots/loss.png']) expect(fs.existsSync(path.join(out, f))).toBe(true);
  expect(r.stdout.trim().split('\n').pop()).toBe(`report: ${path.join(out, 'report', 'index.html')}`);
  expect(fs.readdirSync(path.join(out, 'predictions')).length).toBe(3);
  // a second demo into the same folder: refused with what to do (exit 2), or run again over it with --force
  const again = runCli(['demo', '--out', out, '--train-images', '6', '--val-images', '3', '--max-iters', '3', '--quiet', ...tiny]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`${path.join(out, 'train')} already holds a run`);
  expect(again.stderr).toContain('--force');
  const forced = runCli(['demo', '--out', out, '--train-images', '6', '--val-images', '3', '--max-iters', '3', '--quiet', '--force', ...tiny]);
  expect([forced.code, forced.stdout.trim().split('\n').pop()]).toEqual([0, `report: ${path.join(out, 'report', 'index.html')}`]);
  expect(fs.readdirSync(path.join(out, 'train')).filter((f) => f.startsWith('previous-'))).toHaveLength(1);
  // without --max-iters only the cpu backend trains a shortened schedule (SLOW_BACKEND_DEMO_ITERS)
  const help = runCli(['demo', '--help']);
  expect(help.stdout).toMatch(/--max-iters <n>.*550 on the\s+cpu\s+backend/s);
}, 300000);

test('100 training iterations from the CLI keep the tensor count flat (data pipeline, model, optimizer)', () => {
  const out = path.join(tmp, 'flat');
  const r = runCli(['train', demoConfig, '--out', out, '--quiet', ...TINY, '--set', 'solver.maxIters=100', '--set', 'checkpoint.period=1000', '--set', 'eval.period=0']);
  expect(r.code).toBe(0);
  const counts = JsonlLog.read(path.join(out, 'log.jsonl')).filter((x) => x.type === 'train').map((x) => x.tensors as number);
  expect(counts).toHaveLength(100);
  expect(counts[1]).toBeGreaterThan(0);
  // the first step creates the optimizer's momentum buffers; from then on every step leaves the count as it was
  expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
}, 300000);
