/**
 * The time of one all-reduce (sum) of a float32 buffer among the processes of an MPI job, through resdet's MPI
 * addon (engine/distributed/): the median over `--runs` after one untimed run, for each size of `--floats`
 * (e.g. 41e6: the gradients of ResNet-50-FPN). Rank 0 prints one JSON line: per size the median ms and the
 * algorithm bandwidth (bytes / time) — the figures a model of scaling to more nodes starts from.
 * Run by bench/distributed_scaling.ts, or:
 *
 *   mpirun -np 2 node dist/bench/allreduce_time.js [--floats 1e6,41e6] [--runs 10]
 */
import { processWorld } from '../engine/distributed/world';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeAllreduce(floats: number, runs: number): { floats: number; ms: number; gbPerS: number } {
  const world = processWorld();
  const x = new Float32Array(floats).fill(1);
  world.allreduceSum(x); // untimed: buffers, connections
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    world.barrier();
    const t0 = performance.now();
    world.allreduceSum(x);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { floats, ms, gbPerS: (4 * floats) / (ms / 1000) / 1e9 };
}

const world = processWorld();
const sizes = arg('floats', '1e5,1e6,41e6').split(',').map(Number);
const results = sizes.map((n) => timeAllreduce(Math.round(n), Number(arg('runs', '10'))));
if (world.rank === 0) process.stdout.write(JSON.stringify({ processes: world.size, library: world.library, allreduce: results }) + '\n');
