/**
 * Training throughput of CIFAR ResNet-20 (img/s, median over timed steps after a warm-up) on resdet's
 * backends, side by side with PyTorch on the same machine in the same run when /usr/bin/python3 has torch
 * (bench/reference/torch_resnet20.py, batch 128, 2 threads; said so when it cannot run). Also watches for subnormal floats, which slow CPU training tenfold:
 * it reports the step-time ratio late/early over a longer run and counts subnormal values in the weights and
 * momentum buffers at the end.
 *
 *   node dist/bench/classify_throughput.js [--backends wasm,cpu] [--steps 10] [--batch 64,128] [--long 150] [--torch-runs 11] [--json out.json]
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend';
import { buildResNet } from '../backbone/resnet';
import { ThroughputRun, median, summarize } from '../engine/throughput';
import { arg } from './cli_arg';

function subnormals(ts: tf.Tensor[]): number {
  let n = 0;
  for (const t of ts) for (const v of t.dataSync()) if (v !== 0 && Math.abs(v) < 1.1754943508222875e-38) n++;
  return n;
}

async function measure(backend: string, shape: [number, number, number], batch: number, steps: number, long: number) {
  await initBackend(backend);
  const [h, w, c] = shape;
  const model = buildResNet('resnet20', { inputChannels: c });
  const run = new ThroughputRun(model, { mode: 'train', batch, shape, numClasses: 10 });
  const times = run.run(Math.max(steps, long), 2);
  const head = summarize(times.slice(0, steps), batch);
  const result: Record<string, unknown> = {
    backend,
    input: `${c}x${h}x${w}`,
    batch,
    ms_per_batch: head.ms_per_batch,
    images_per_s: head.images_per_s,
  };
  if (long > steps) {
    result.late_over_early = median(times.slice(-steps)) / head.ms_per_batch;
    result.steps = times.length + 2;
    result.subnormal_values = subnormals([...model.trainableParameters().map(([, v]) => v), ...run.optimizer!.state().values()]);
  }
  run.dispose();
  model.dispose();
  return result;
}

/** PyTorch's ResNet-20 training throughput measured now (bench/reference/torch_resnet20.py), or why it did not run. */
function torchBaseline(): { measured: Record<string, unknown> } | { notRun: string } {
  const script = path.resolve(__dirname, '..', '..', 'bench', 'reference', 'torch_resnet20.py');
  const r = spawnSync('/usr/bin/python3', [script, '--flush-denormal', '--threads', '2', '--batch', '128', '--runs', arg('torch-runs', '11')], { encoding: 'utf8' });
  if (r.status !== 0) return { notRun: (r.stderr || String(r.error ?? `exit code ${r.status}`)).trim().split('\n').slice(-1)[0] };
  return { measured: JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) };
}

(async () => {
  const backends = arg('backends', 'wasm,cpu').split(',');
  const batches = arg('batch', '64,128').split(',').map(Number);
  const steps = Number(arg('steps', '7'));
  const long = Number(arg('long', '0'));
  const rows: Array<Record<string, unknown>> = [];
  for (const b of backends) {
    for (const shape of [[32, 32, 3], [28, 28, 1]] as Array<[number, number, number]>) {
      for (const batch of batches) {
        const n = b === 'cpu' ? Math.min(steps, 3) : steps;
        const r = await measure(b, shape, batch, n, b === 'cpu' ? 0 : long);
        rows.push(r);
        process.stdout.write(`${b.padEnd(6)} ${String(r.input).padEnd(8)} batch ${String(batch).padStart(3)}: ${(r.images_per_s as number).toFixed(1).padStart(7)} img/s  ${(r.ms_per_batch as number).toFixed(0)} ms/batch` +
          (r.late_over_early ? `  late/early ${(r.late_over_early as number).toFixed(2)}  subnormals ${r.subnormal_values}` : '') + '\n');
      }
    }
  }
  const torch = torchBaseline();
  process.stdout.write('measured' in torch
    ? `pytorch, this run (bench/reference/torch_resnet20.py, 2 threads, flush-denormal): ${JSON.stringify(torch.measured)}\n`
    : `pytorch: not run in this run (${torch.notRun})\n`);
  const out = { date: new Date().toISOString(), resdet: rows, pytorch: 'measured' in torch ? torch.measured : null, pytorchNotRun: 'notRun' in torch ? torch.notRun : undefined };
  process.stdout.write(JSON.stringify(out) + '\n');
  const json = arg('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify(out, null, 2) + '\n');
})();
