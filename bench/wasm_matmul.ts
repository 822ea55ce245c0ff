/**
 * The wasm backend's matrix products with a transposed operand — what every dense layer's backward pass asks for
 * (dW = xᵀ·dy, dx = dy·Wᵀ) — in one run: wasm's own kernel (a scalar loop when an operand is transposed) against
 * resdet's (engine/kernels/wasm/batch_mat_mul.ts: the operand transposed first, then XNNPACK), next to the product
 * without transposes. Shapes of the box heads' fully connected layers: the demo's (256 RoIs, 32x7x7 -> 256) and an
 * R50-FPN's (512 RoIs, 256x7x7 -> 1024). Median ms per call after a warm-up; resdet's result checked against wasm's.
 *
 *   npx tsc -p . && node dist/bench/wasm_matmul.js [--runs 7] [--json out.json]    (RESDET_THREADS sets the threads)
 *
 * Timings are wall-clock: run it on an otherwise idle machine.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend, backendChoice } from '../engine/backend';
import { startWasm, wasmThreadSetting } from '../engine/wasm_threads';
import { KernelFunc, timeKernel } from './kernel_timing';
import { arg } from './cli_arg';

interface Case { name: string; m: number; k: number; n: number; transposeA: boolean; transposeB: boolean }

const CASES: Case[] = [
  { name: 'demo fc6 dW', m: 1568, k: 256, n: 256, transposeA: true, transposeB: false },
  { name: 'demo fc6 dx', m: 256, k: 256, n: 1568, transposeA: false, transposeB: true },
  { name: 'demo fc7 dW', m: 256, k: 256, n: 256, transposeA: true, transposeB: false },
  { name: 'R50-FPN fc6 dx', m: 512, k: 1024, n: 12544, transposeA: false, transposeB: true },
];

/** The two operands of a product [m, k] x [k, n], stored as the transposes say. */
function operands(c: Case): { a: tf.Tensor3D; b: tf.Tensor3D } {
  const a = tf.randomNormal([1, c.transposeA ? c.k : c.m, c.transposeA ? c.m : c.k], 0, 1, 'float32', 1) as tf.Tensor3D;
  const b = tf.randomNormal([1, c.transposeB ? c.n : c.k, c.transposeB ? c.k : c.n], 0, 1, 'float32', 2) as tf.Tensor3D;
  return { a, b };
}

function maxAbsDiff(kernelA: KernelFunc, kernelB: KernelFunc, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): number {
  const run = (k: KernelFunc) => {
    const out = k({ inputs, backend: tf.backend(), attrs }) as tf.TensorInfo;
    const t = tf.engine().makeTensorFromTensorInfo(out);
    const v = Float32Array.from(t.dataSync());
    t.dispose();
    return v;
  };
  const [x, y] = [run(kernelA), run(kernelB)];
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '7'));
  const json = arg('json', '');
  await startWasm(wasmThreadSetting());
  const stock = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as KernelFunc; // before resdet's replaces it
  await initBackend('wasm');
  const resdet = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as KernelFunc;
  console.log(`${backendChoice()?.reason}; ms per call, median of ${runs} (wasm's own: of ${Math.min(runs, 3)})`);
  console.log('case'.padEnd(18) + 'M x K x N'.padStart(18) + 'untransposed'.padStart(14) + "wasm's own".padStart(12) + 'resdet'.padStart(10) + 'speed-up'.padStart(10) + '  max |diff|');
  const results = [];
  for (const c of CASES) {
    const { a, b } = operands(c);
    const plain = { a: c.transposeA ? tf.transpose(a, [0, 2, 1]) : a, b: c.transposeB ? tf.transpose(b, [0, 2, 1]) : b };
    const attrs = { transposeA: c.transposeA, transposeB: c.transposeB } as unknown as tf.NamedAttrMap;
    const none = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
    const ms = (k: KernelFunc, ins: tf.NamedTensorInfoMap, at: tf.NamedAttrMap, r: number) => timeKernel(k, ins, at, r, 1) * 1000;
    const r = {
      case: c.name, m: c.m, k: c.k, n: c.n,
      untransposed_ms: ms(resdet, plain, none, runs),
      stock_ms: ms(stock, { a, b }, attrs, Math.min(runs, 3)),
      resdet_ms: ms(resdet, { a, b }, attrs, runs),
      max_abs_diff: maxAbsDiff(stock, resdet, { a, b }, attrs),
    };
    results.push(r);
    console.log(c.name.padEnd(18) + `${c.m} x ${c.k} x ${c.n}`.padStart(18) + r.untransposed_ms.toFixed(2).padStart(14) +
      r.stock_ms.toFixed(2).padStart(12) + r.resdet_ms.toFixed(2).padStart(10) + `${(r.stock_ms / r.resdet_ms).toFixed(1)}x`.padStart(10) +
      `  ${r.max_abs_diff.toExponential(1)}`);
    tf.dispose([a, b, plain.a, plain.b]);
  }
  const out = { bench: 'wasm_matmul', backend: backendChoice()?.reason, runs, results };
  if (json) fs.writeFileSync(json, JSON.stringify(out, null, 1));
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
