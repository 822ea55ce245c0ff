/**
 * GFLOP/s of the wasm backend's convolution kernels (SIMD; threads as resdet picks them, RESDET_THREADS=1 for
 * one): its forward Conv2D, resdet's Conv2DBackpropFilter and Conv2DBackpropInput (engine/kernels/wasm/), and
 * wasm's stock Conv2DBackpropInput, each called directly as a kernel; median of several runs after a warm-up.
 * Prints a table and one JSON line.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/wasm_conv_kernels.js [--runs 7]
 *
 * Timings are wall-clock: run it on an otherwise idle machine.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { startWasm, wasmThreads, wasmThreadSetting } from '../engine/wasm_threads';
import { KernelFunc, timeKernel } from './kernel_timing';

interface Case {
  name: string;
  x: [number, number, number, number];
  cout: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { name: '1x56x56x64->64 3x3 s1', x: [1, 56, 56, 64], cout: 64, k: 3, stride: 1, pad: 'same' },
  { name: '128x32x32x16->16 3x3 s1', x: [128, 32, 32, 16], cout: 16, k: 3, stride: 1, pad: 'same' },
  { name: '128x32x32x16->32 3x3 s2', x: [128, 32, 32, 16], cout: 32, k: 3, stride: 2, pad: 'same' },
];

async function main(): Promise<void> {
  const argRuns = process.argv.indexOf('--runs');
  const runs = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 7;
  // wasm's own Conv2DBackpropInput, before resdet's replaces it in the registry
  await startWasm(wasmThreadSetting());
  const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc as KernelFunc;
  await initBackend('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasmThreads();
  const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc as KernelFunc;
  const conv2d = kernel('Conv2D');
  const filterGrad = kernel('Conv2DBackpropFilter');
  const inputGrad = kernel('Conv2DBackpropInput');

  const results: Record<string, Record<string, number>> = {};
  for (const c of CASES) {
    const fShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.cout];
    const info = tf.backend_util.computeConv2DInfo(c.x, fShape, c.stride, 1, c.pad);
    const flops = 2 * info.batchSize * info.outHeight * info.outWidth * c.k * c.k * c.x[3] * c.cout;
    const x = tf.randomNormal(c.x);
    const f = tf.randomNormal(fShape);
    const dy = tf.randomNormal(info.outShape);
    const common = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
    const gflops = (s: number) => Math.round((flops / s / 1e9) * 100) / 100;
    results[c.name] = {
      conv2d: gflops(timeKernel(conv2d, { x, filter: f }, { ...common, dilations: 1 }, runs)),
      backpropFilter: gflops(timeKernel(filterGrad, { x, dy }, { ...common, filterShape: fShape }, runs)),
      backpropInput: gflops(timeKernel(inputGrad, { dy, filter: f }, { ...common, inputShape: c.x }, runs)),
      stockBackpropInput: gflops(timeKernel(stockInput, { dy, filter: f }, { ...common, inputShape: c.x }, Math.min(runs, 3))),
      mflop: Math.round(flops / 1e6),
    };
    tf.dispose([x, f, dy]);
  }

  const cols = ['conv2d', 'backpropFilter', 'backpropInput', 'stockBackpropInput'];
  const w0 = Math.max(...CASES.map((c) => c.name.length)) + 2;
  console.log(`wasm (${threads} thread(s), ${simd ? 'SIMD' : 'no SIMD'}), GFLOP/s, median of ${runs} runs`);
  console.log('case'.padEnd(w0) + 'MFLOP'.padStart(8) + cols.map((k) => k.padStart(20)).join(''));
  for (const c of CASES) {
    const r = results[c.name];
    console.log(c.name.padEnd(w0) + String(r.mflop).padStart(8) + cols.map((k) => r[k].toFixed(2).padStart(20)).join(''));
  }
  console.log(JSON.stringify({ bench: 'wasm_conv_kernels', unit: 'GFLOP/s', simd, threads, runs, results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
