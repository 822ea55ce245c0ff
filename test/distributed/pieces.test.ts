/**
 * The pieces of data-parallel training and sharded evaluation that need no second process: sharding, gradient
 * buckets, the launcher's environment, mpirun's arguments and messages, and the data-parallel step in a world
 * of one (where it must be exactly the single-process step: engine/train_step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { shardOf, shardPositions } from '../../engine/distributed/shard';
import { bucketLayout, GradientBuckets } from '../../engine/distributed/gradient_buckets';
import { launchedAs } from '../../engine/distributed/launcher_env';
import { SOLO } from '../../engine/distributed/world';
import { requireGlobalBatch } from '../../engine/distributed/global_batch';
import { DataParallelStep } from '../../engine/distributed/data_parallel_step';
import { trainStep } from '../../engine/train_step';
import { SGD } from '../../engine/optim/sgd';
import { MpirunStderr } from '../../bin/mpirun_output';
import { mpirunArgs } from '../../bin/commands/launch';

beforeAll(async () => {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
});

test('shards: rank r takes r, r+N, …; together every position once; shares differ by at most one', () => {
  expect(shardPositions(5, { rank: 0, size: 2 })).toEqual([0, 2, 4]);
  expect(shardPositions(5, { rank: 1, size: 2 })).toEqual([1, 3]);
  expect(shardOf(['a', 'b', 'c'], { rank: 2, size: 4 })).toEqual(['c']);
  expect(shardOf(['a', 'b', 'c'], { rank: 3, size: 4 })).toEqual([]);
  for (const [n, size] of [[7, 3], [4, 4], [10, 1]]) {
    const shares = Array.from({ length: size }, (_, rank) => shardPositions(n, { rank, size }));
    expect(shares.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    const lengths = shares.map((s) => s.length);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
  }
});

test('bucket layout: consecutive parameters up to the cap; a larger one alone', () => {
  expect(bucketLayout([10, 10, 10], 80)).toEqual([[0, 1], [2]]);
  expect(bucketLayout([10, 100, 10], 80)).toEqual([[0], [1], [2]]);
  expect(bucketLayout([1, 2, 3])).toEqual([[0, 1, 2]]);
  expect(bucketLayout([])).toEqual([]);
});

test('the launcher environment: Open MPI, Slurm with PMIx, Hydra, nothing', () => {
  expect(launchedAs({})).toBeNull();
  expect(launchedAs({ OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_LOCAL_SIZE: '2' })).toEqual({ rank: 1, size: 4, localSize: 2 });
  expect(launchedAs({ PMIX_RANK: '3', SLURM_NTASKS: '8', SLURM_TASKS_PER_NODE: '4(x2)' })).toEqual({ rank: 3, size: 8, localSize: 4 });
  expect(launchedAs({ PMI_RANK: '0', PMI_SIZE: '2', MPI_LOCALNRANKS: '2' })).toEqual({ rank: 0, size: 2, localSize: 2 });
  expect(launchedAs({ PMIX_RANK: '0' })).toEqual({ rank: 0, size: 1, localSize: null });
});

test('a global batch smaller than the job is refused, naming the key', () => {
  expect(() => requireGlobalBatch(4, 'solver.imsPerBatch', { ...SOLO, size: 4 })).not.toThrow();
  expect(() => requireGlobalBatch(2, 'solver.imsPerBatch', { ...SOLO, size: 4 })).toThrow(/solver.imsPerBatch is 2, fewer images per step than the job's 4 processes/);
});

describe('mpirun', () => {
  test('arguments: no binding, oversubscription only beyond the cores here, root allowed when root, resdet\'s variables exported', () => {
    const env = { RESDET_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE', HOME: '/root' };
    const a = mpirunArgs({ nproc: 2, command: ['train', 'c.yaml'] }, env, 2, false);
    expect(a.slice(0, 4)).toEqual(['-np', '2', '--bind-to', 'none']);
    expect(a).not.toContain('--oversubscribe');
    expect(a).not.toContain('--allow-run-as-root');
    expect(a.join(' ')).toContain('-x OMP_WAIT_POLICY -x RESDET_THREADS');
    expect(a.join(' ')).not.toContain('HOME');
    expect(a.slice(-3)).toEqual([expect.stringMatching(/resdet\.js$/), 'train', 'c.yaml']);
    expect(mpirunArgs({ nproc: 4, command: ['train'] }, {}, 2, true)).toEqual(expect.arrayContaining(['--oversubscribe', '--allow-run-as-root']));
    const hosts = mpirunArgs({ nproc: 4, hosts: 'a:2,b:2', command: ['train'] }, {}, 2, false);
    expect(hosts.join(' ')).toContain('--host a:2,b:2');
    expect(hosts).not.toContain('--oversubscribe');
  });

  const rule = '-'.repeat(74);
  const shown = (chunks: string[]) => {
    const out: string[] = [];
    const s = new MpirunStderr((l) => out.push(l));
    chunks.forEach((c) => s.write(c));
    s.end();
    return out;
  };

  test('messages: one line each, the preamble and traces dropped, the processes\' own lines kept whole', () => {
    const killed = [
      'resdet: using native\n[vm:1] Read -1, expected 1077736, errno = 3\nmpirun: Forwarding signal 12 to job\n', `${rule}\nPrimary job  terminated normally, but 1 process returned\na non-zero exit code.\n${rule}\n`,
      `${rule}\nmpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed).\n${rule}\n`,
    ];
    expect(shown(killed)).toEqual(['resdet: using native', 'resdet: mpirun: mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed).']);
    const failed = ['resdet: err', 'or: bad config\n', `${rule}\nMPI_ABORT was invoked on rank 0\nwith errorcode 2.\n${rule}\n`, 'partial'];
    expect(shown(failed)).toEqual(['resdet: error: bad config', 'partial']);
    const abortFirst = [`${rule}\nMPI_ABORT was invoked on rank 0\nwith errorcode 2.\n${rule}\n`, 'resdet: error: bad config\n'];
    expect(shown(abortFirst)).toEqual(['resdet: error: bad config']); // mpirun's message overtook the forwarded line
    const abortAlone = [`${rule}\nMPI_ABORT was invoked on rank 1\nwith errorcode 3.\n${rule}\n`];
    expect(shown(abortAlone)).toEqual(['resdet: mpirun: MPI_ABORT was invoked on rank 1 with errorcode 3.']);
  });
});

describe('the data-parallel step in a world of one is the single-process step', () => {
  /** y = w·x + b with an unused parameter u (no gradient: SGD leaves it, weight decay included) */
  const model = () => ({
    w: tf.variable(tf.tensor1d([0.5, -0.25, 1]), true, 'w'),
    b: tf.variable(tf.scalar(0.1), true, 'b'),
    u: tf.variable(tf.tensor1d([2, 2]), true, 'u'),
  });
  const x = tf.tensor2d([[1, 2, 3], [0, -1, 4]]);
  const y = tf.tensor1d([1, -2]);

  test('3 steps: the same parameters, losses and tensor count', () => {
    const run = (dataParallel: boolean) => {
      const m = model();
      const params: Array<[string, tf.Variable]> = [['w', m.w], ['b', m.b], ['u', m.u]];
      const opt = new SGD({ momentum: 0.9, weightDecay: 0.01 });
      const step = new DataParallelStep(SOLO, params, opt);
      const loss = () => ({ total: tf.tidy(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, tf.reshape(m.w, [3, 1])).reshape([2]), m.b), y)))) as tf.Scalar });
      const losses: number[] = [];
      const counts: number[] = [];
      for (let s = 0; s < 3; s++) {
        losses.push((dataParallel ? step.step(loss, 2, 0.1) : trainStep(params, loss, opt, 0.1)).loss);
        counts.push(tf.memory().numTensors);
      }
      const values = params.map(([, v]) => Array.from(v.dataSync()));
      opt.dispose();
      tf.dispose([m.w, m.b, m.u]);
      return { losses, values, counts };
    };
    const single = run(false);
    const parallel = run(true);
    expect(parallel.values).toEqual(single.values);
    expect(parallel.losses).toEqual(single.losses);
    expect(parallel.values[2]).toEqual([2, 2]);
    expect(new Set(parallel.counts).size).toBe(1);
  });

  test('buckets reduce in place in the gradients\' own arrays, copy what shares memory, zeros for a missing gradient', () => {
    const a = tf.variable(tf.zeros([2]), true, 'ga');
    const b = tf.variable(tf.zeros([2]), true, 'gb');
    const c = tf.variable(tf.zeros([3]), true, 'gc');
    const buckets = new GradientBuckets([['a', a], ['b', b], ['c', c]], 16);
    expect(buckets.buckets).toEqual([[0, 1], [2]]);
    const g = tf.tensor1d([2, 4]);
    const out = buckets.reduce(SOLO, { a: g, b: g }, 0.5); // b's gradient is a's tensor: one in place, one copied
    expect(out.a).toBe(g);
    expect(Array.from(out.a.dataSync())).toEqual([1, 2]);
    expect(Array.from(out.b.dataSync())).toEqual([1, 2]);
    expect(Array.from(out.c.dataSync())).toEqual([0, 0, 0]);
    tf.dispose([out.a, out.b, out.c, a, b, c]);
  });
});
