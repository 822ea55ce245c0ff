/**
 * `resdet classify demo` with small options: trains ResNet-20 on Fashion-MNIST for one short epoch, evaluates on
 * the test images and writes metrics.json (figures consistent with the run's own log and checkpoint) and one
 * summary line; bad flags exit 2 with one message.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runCli } from '../helpers/cli';
import { requires } from '../helpers/requirements';
import { tempDir } from '../helpers/temp_dir';
import { JsonlLog } from '../../run/jsonl_log';

const tmp = tempDir('classify-demo');

requires('fashion-mnist').test('--images 256 --test-images 100: metrics.json, checkpoint, log and the summary line agree', () => {
  const out = path.join(tmp, 'demo');
  const r = runCli(['classify', 'demo', '--out', out, '--images', '256', '--test-images', '100']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/^resdet demo: using wasm/);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  expect(m).toMatchObject({ task: 'classification (ResNet-20, Fashion-MNIST)', test_images: 100, train_images: 256, backend: 'wasm' });
  // top-1 is a multiple of 1/100 and above chance (0.1) is not promised after 4 steps; it must be a real fraction
  expect(Math.round(m.top1 * 100)).toBeCloseTo(m.top1 * 100, 6);
  expect(m.top1).toBeGreaterThanOrEqual(0);
  expect(m.top5).toBeGreaterThanOrEqual(m.top1);
  expect(m.top5).toBeLessThanOrEqual(1);
  expect(fs.existsSync(path.resolve(m.checkpoint))).toBe(true);
  const log = JsonlLog.read(path.join(out, 'log.jsonl'));
  expect(log.filter((x) => x.type === 'train')).toHaveLength(256 / 64);
  expect(r.stdout).toBe(
    `demo: ResNet-20 on 256 Fashion-MNIST images in ${m.train_seconds.toFixed(0)} s (wasm): test top-1 ${(m.top1 * 100).toFixed(1)}% on 100 images → ${path.join(out, 'metrics.json')}\n`);
});

test.each([
  [['--images', '0'], /--images must be a positive integer, got '0'/],
  [['--test-images', 'many'], /--test-images must be a positive integer, got 'many'/],
])('bad flag %j: exit 2, one message', (args, msg) => {
  const r = runCli(['classify', 'demo', '--out', path.join(tmp, 'bad'), ...(args as string[])]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(msg as RegExp);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
});
