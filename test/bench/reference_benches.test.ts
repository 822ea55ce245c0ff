/**
 * The benchmarks compare against resdet's own reference scripts (bench/reference/) and never print a figure
 * that was not measured in the run as measured in it: detection_ops without torchvision leaves the "this run"
 * column empty and labels the stored figures with their date; coco_eval_speed makes its workload with
 * bench/reference/coco_workload.py and labels pycocotools' figure as stored. No bench reaches outside the repo.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers/cli';
import { requires } from '../helpers/requirements';
import { tempDir } from '../helpers/temp_dir';

const bench = (script: string, args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'dist', 'bench', script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });

test('no bench script calls anything outside the repository', () => {
  const sources = fs.readdirSync(path.join(ROOT, 'bench')).filter((f) => f.endsWith('.ts'));
  expect(sources.length).toBeGreaterThanOrEqual(6);
  for (const f of sources) expect({ f, outside: /\.\.\/shared|'shared'/.test(fs.readFileSync(path.join(ROOT, 'bench', f), 'utf8')) }).toEqual({ f, outside: false });
  for (const f of ['torch_resnet20.py', 'coco_workload.py', 'torchvision_ops.py', 'pil_pipeline.py', 'torchvision_faster_rcnn.py', 'torch_resnet50_infer.py']) {
    expect(fs.existsSync(path.join(ROOT, 'bench', 'reference', f))).toBe(true);
  }
});

requires('native').test('detection_ops --no-torch: nothing under "torchvision, this run", stored figures labelled with their date', () => {
  const r = bench('detection_ops.js', ['--runs', '1', '--backends', 'native', '--no-torch']);
  expect(r.status).toBe(0);
  const table = r.stdout.split('\n').filter((l) => l.startsWith('| '));
  const head = table[0].split('|').map((c) => c.trim());
  const thisRun = head.indexOf('torchvision, this run (ms)');
  expect(head).toContain('torchvision, stored 2026-11-28, idle machine (ms)');
  const rows = table.slice(2).map((l) => l.split('|').map((c) => c.trim()));
  expect(rows).toHaveLength(7);
  for (const row of rows) expect(row[thisRun]).toBe('-');
  expect(r.stdout).toContain('torchvision: not run in this run (--no-torch)');
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(Object.values(json.torch).every((v) => v === null)).toBe(true);
  expect(json.torchStored.date).toBe('2026-11-28');
});

requires('numpy').test('coco_eval_speed makes its workload with the reference script; pycocotools is labelled stored', () => {
  const dir = path.join(tempDir('coco-bench'), 'work');
  const r = bench('coco_eval_speed.js', [dir, '--runs', '1', '--images', '30']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('bench/reference/coco_workload.py --images 30');
  const gt = JSON.parse(fs.readFileSync(path.join(dir, 'gt.json'), 'utf8'));
  expect(gt.images).toHaveLength(30);
  expect(gt.categories).toHaveLength(80);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'dt.json'), 'utf8'))).toHaveLength(30 * 100);
  expect(r.stdout).toMatch(/^pycocotools: not measured in this run; stored 2026-11-28: 52 s/m);
  const json = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(json.stats[0]).toBeGreaterThan(0);
  expect(json.stats[0]).toBeLessThan(1);
});

requires('native').test('onnx_classify --no-torch: resdet native and ONNX Runtime on the same ResNet-50 (their logits agree), PyTorch said not measured', () => {
  const r = bench('onnx_classify.js', ['--iters', '1', '--warmup', '0', '--backends', 'native', '--no-torch']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^ResNet-50, batch 1, 3x224x224, \d+ threads, median of 1 runs after 0 warm-up \(this run; load average/);
  expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)[0])).toEqual(['resdet native', 'onnxruntime', 'pytorch: not measured in this run (--no-torch)']);
  expect(r.stdout).not.toMatch(/WARNING/);
  const diff = Number(/resdet native .*max logit difference to onnxruntime (\S+)/.exec(r.stdout)![1]);
  expect(diff).toBeLessThan(1e-3);
});
