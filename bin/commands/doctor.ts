/** `resdet doctor`: which backends this installation can use (and why not), thread counts, versions. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { action } from '../errors';
import { backendChoice, initBackend } from '../../engine/backend';
import { nativeAddon, nativeThreadSetting, nativeWaitPolicy, nativeWorkers } from '../../engine/native/addon';
import { NATIVE_HINT, nativeUnavailable } from '../../engine/native/index';
import { mpiAddon, mpiMissingReason, MPI_HINT } from '../../engine/distributed/mpi_addon';

interface Row {
  backend: string;
  available: boolean;
  detail: string;
}

/** A package's version from its package.json, found from its entry point (some packages' exports hide the file). */
function version(pkg: string): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(pkg));
  } catch {
    return 'not installed';
  }
  for (; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (json.name === pkg) return json.version ?? 'unknown';
  }
  return 'unknown';
}

function tfjsNode(mod: string): Row {
  try {
    require(mod);
    return { backend: mod, available: true, detail: `version ${version(mod)}` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const missing = err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(`'${mod}'`);
    return { backend: mod, available: false, detail: missing ? 'package not installed' : `failed to load: ${String(err.message).split('\n')[0]}` };
  }
}

function native(): Row {
  const why = nativeUnavailable();
  if (why) return { backend: 'native', available: false, detail: `${why}; ${NATIVE_HINT}` };
  const i = nativeAddon()!.info();
  return { backend: 'native', available: true, detail: `oneDNN ${i.onednn} (${i.runtime}), ${i.threads} threads of ${i.cores} cores` };
}

/** Whether `resdet launch` can run commands as several processes: resdet's MPI addon (Open MPI). */
function distributed(): { available: boolean; detail: string } {
  if (!mpiAddon()) return { available: false, detail: `MPI addon: ${mpiMissingReason()}; ${MPI_HINT}` };
  return { available: true, detail: 'MPI addon built (Open MPI): resdet launch --nproc N -- <command>' };
}

async function wasm(): Promise<Row> {
  try {
    require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return { backend: 'wasm', available: false, detail: 'failed to initialise' };
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    const mt = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return { backend: 'wasm', available: true, detail: `${mt ? 'multi-thread' : '1 thread'}, ${simd ? 'SIMD' : 'no SIMD'}` };
  } catch (e) {
    return { backend: 'wasm', available: false, detail: String((e as Error).message).split('\n')[0] };
  }
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('print which backends are available (and why not), thread counts and versions')
    .option('--json', 'print one JSON object instead of text')
    .action(
      action(async (f: { json?: boolean }) => {
        // auto's order (engine/backend.ts): tfjs-node-gpu only when its TensorFlow finds a GPU, then native
        const rows = [tfjsNode('@tensorflow/tfjs-node-gpu'), native(), tfjsNode('@tensorflow/tfjs-node'), await wasm(),
          { backend: 'cpu', available: true, detail: 'pure JavaScript reference backend' }];
        const threads = {
          cores: os.cpus().length,
          RESDET_THREADS: process.env.RESDET_THREADS ?? null,
          OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? null,
          native: nativeAddon() ? nativeThreadSetting() : null,
          native_workers: nativeAddon() ? nativeWorkers() : null,
          OMP_WAIT_POLICY: nativeAddon() ? nativeWaitPolicy() : null,
        };
        const versions = {
          // eslint-disable-next-line @typescript-eslint/no-var-requires
          resdet: require('../../../package.json').version as string,
          node: process.versions.node,
          '@tensorflow/tfjs': version('@tensorflow/tfjs'),
          '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
          onednn: nativeAddon()?.info().onednn ?? null,
          // the ONNX inference engines (predict --engine onnxruntime, export --format web)
          'onnxruntime-node': version('onnxruntime-node'),
          'onnxruntime-web': version('onnxruntime-web'),
        };
        // what auto really takes (it also checks that tfjs-node-gpu finds a GPU), and why
        await initBackend('auto');
        const auto = backendChoice()?.reason;
        if (f.json) {
          process.stdout.write(JSON.stringify({ backends: rows, auto, threads, versions, distributed: distributed() }) + '\n');
          return;
        }
        process.stdout.write('backends (auto order):\n');
        for (const r of rows) process.stdout.write(`  ${r.available ? 'yes' : 'no '}  ${r.backend.padEnd(26)} ${r.detail}\n`);
        process.stdout.write(`auto: ${auto}\n`);
        process.stdout.write(`threads: ${Object.entries(threads).map(([k, v]) => `${k}=${v ?? '-'}`).join(' ')}\n`);
        process.stdout.write(`versions: ${Object.entries(versions).map(([k, v]) => `${k} ${v ?? '-'}`).join(', ')}\n`);
        const d = distributed();
        process.stdout.write(`distributed: ${d.available ? 'yes' : 'no'}, ${d.detail}\n`);
      }),
    );
}
