/**
 * The time of one all-reduce (sum) of a float32 buffer among the processes of an MPI job, through resdet's MPI
 * addon (engine/distributed/): the median over `--runs` after one untimed run, for each size of `--floats`
 * (e.g. 41e6: the gradients of ResNet-50-FPN). Rank 0 prints one JSON line: per size the median ms and the
 * algorithm bandwidth (bytes / time) — the figures a model of scaling to more nodes starts from.
 * With --bucketed each size is reduced as data-parallel training reduces a gradient: in buckets of at most
 * BUCKET_CAP_BYTES (25 MiB), one after the other (Open MPI's shared-memory path is several times slower per byte
 * on one 166 MB buffer than on 25 MiB ones). Run by bench/distributed_scaling.ts and bench/distributed_model.ts, or:
 *
 *   mpirun -np 2 node dist/bench/allreduce_time.js [--floats 1e6,41e6] [--runs 10] [--bucketed]
 */
import { processWorld } from '../engine/distributed/world';
import { BUCKET_CAP_BYTES } from '../engine/distributed/gradient_buckets';
import { arg } from './cli_arg';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `floats` floats as one buffer, or as buckets of at most BUCKET_CAP_BYTES */
function buffers(floats: number, bucketed: boolean): Float32Array[] {
  const cap = bucketed ? BUCKET_CAP_BYTES / 4 : floats;
  const out: Float32Array[] = [];
  for (let at = 0; at < floats; at += cap) out.push(new Float32Array(Math.min(cap, floats - at)).fill(1));
  return out;
}

function timeAllreduce(floats: number, runs: number, bucketed: boolean): { floats: number; buckets: number; ms: number; gbPerS: number } {
  const world = processWorld();
  const xs = buffers(floats, bucketed);
  for (const x of xs) world.allreduceSum(x); // untimed: buffers, connections
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    world.barrier();
    const t0 = performance.now();
    for (const x of xs) world.allreduceSum(x);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { floats, buckets: xs.length, ms, gbPerS: (4 * floats) / (ms / 1000) / 1e9 };
}

const world = processWorld();
const sizes = arg('floats', '1e5,1e6,41e6').split(',').map(Number);
const results = sizes.map((n) => timeAllreduce(Math.round(n), Number(arg('runs', '10')), process.argv.includes('--bucketed')));
if (world.rank === 0) process.stdout.write(JSON.stringify({ processes: world.size, library: world.library, allreduce: results }) + '\n');
