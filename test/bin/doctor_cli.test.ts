/**
 * `resdet doctor`: the backends in auto's order with whether each is usable and why not, what auto takes, the
 * thread settings and versions; as JSON with --json. Without the addon (RESDET_NATIVE_ADDON pointing nowhere)
 * native is reported unavailable with the install hint and auto falls back to wasm.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, runCli } from '../helpers/cli';
import { requires } from '../helpers/requirements';

// RESDET_BACKEND empty: doctor reports what auto really takes (runCli pins wasm otherwise)
const AUTO = { RESDET_BACKEND: '' };
const ORDER = ['@tensorflow/tfjs-node-gpu', 'native', '@tensorflow/tfjs-node', 'wasm', 'cpu'];
// tfjs-node(-gpu) are optional dependencies: installed or not
const YES_NO = expect.stringMatching(/^(yes|no)$/);
const pkg = require('../../package.json') as { version: string };

interface Doctor {
  backends: Array<{ backend: string; available: boolean; detail: string }>;
  auto: string;
  threads: Record<string, number | string | null>;
  versions: Record<string, string | null>;
}

function doctorJson(env: Record<string, string>): Doctor {
  const r = runCli(['doctor', '--json'], { ...AUTO, ...env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Doctor;
}

requires('native').test('--json with the addon built: native usable and taken by auto, thread settings, versions', () => {
  const d = doctorJson({ RESDET_THREADS: '1' });
  expect(d.backends.map((b) => b.backend)).toEqual(ORDER);
  const by = Object.fromEntries(d.backends.map((b) => [b.backend, b]));
  expect(by.native.available).toBe(true);
  expect(by.native.detail).toMatch(/^oneDNN \d+\.\d+\.\d+ \(\w+\), 1 threads of \d+ cores$/);
  expect(by.cpu).toEqual({ backend: 'cpu', available: true, detail: 'pure JavaScript reference backend' });
  expect(by.wasm.available).toBe(true);
  expect(d.auto).toMatch(/using native \(oneDNN [\d.]+, 1 thread\)$/);
  expect(d.threads).toMatchObject({ RESDET_THREADS: '1', native: 1 });
  expect(d.versions).toMatchObject({ resdet: pkg.version, node: process.versions.node });
  expect(d.versions.onednn).toMatch(/^\d+\.\d+\.\d+$/);
});

test('without the addon: native unavailable with the hint, auto falls back to wasm', () => {
  const d = doctorJson({ RESDET_NATIVE_ADDON: '/nonexistent/resdet_native.node' });
  const native = d.backends.find((b) => b.backend === 'native')!;
  expect(native.available).toBe(false);
  expect(native.detail).toMatch(/apt-get install libdnnl-dev/);
  expect(d.auto).toMatch(/native backend not built: .*: using wasm/);
  expect(d.threads.native).toBeNull();
  expect(d.versions.onednn).toBeNull();
});

test('text output: one line per backend in auto order, then auto, threads, versions', () => {
  const r = runCli(['doctor'], { ...AUTO, RESDET_NATIVE_ADDON: '/nonexistent/resdet_native.node' });
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('backends (auto order):');
  expect(lines.slice(1, 6).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual(
    [[YES_NO, ORDER[0]], ['no', 'native'], [YES_NO, ORDER[2]], ['yes', 'wasm'], ['yes', 'cpu']]);
  expect(lines[6]).toMatch(/^auto: .*using wasm/);
  expect(lines[7]).toMatch(/^threads: cores=\d+ /);
  expect(lines[8]).toContain(`versions: resdet ${pkg.version}, node ${process.versions.node}`);
  // the ONNX engines' versions, as their packages say
  expect(lines[8]).toContain(`onnxruntime-node ${require('onnxruntime-node/package.json').version}`);
  expect(lines[8]).toContain(`onnxruntime-web ${JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version}`);
});
