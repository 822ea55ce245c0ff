/**
 * The one training loop every trainer plugs into (a classifier, a detector): a task supplies the model, its
 * optimizer and schedule, the batch of each step (derived from the seed and the step, so that a resumed run
 * continues exactly as an uninterrupted one), the loss, and its evaluations; the harness does the rest, the same
 * way for all:
 * - the run folder (run/run_folder.ts): stale temp files removed, a run already there refused unless `resume`
 *   or `force`, config.yaml written;
 * - resuming from the newest complete checkpoint (run/resume.ts), or the task's fresh start;
 * - the loop: a JSON-lines record and a progress update per step, evaluations every `evalEvery` steps (the model
 *   goes back to train mode after each), each preceded by the task's validation loss (a `val` record), which is
 *   also measured after the last step, checkpoints when the task says and at the end, and a turn of the event
 *   loop between steps so that Ctrl-C is seen at once;
 * - Ctrl-C: a checkpoint of the current step and an InterruptedError saying how to continue; during the final
 *   evaluation, an InterruptedError naming the kept checkpoint and the command that evaluates it;
 * - a full disk: a DiskFullError naming the file and the last good checkpoint;
 * - a final evaluation that fails: a FinalEvalError; the checkpoint is kept and the message says how to
 *   evaluate it again;
 * - data parallelism, when the process is one of a job started by an MPI launcher (engine/distributed/world.ts):
 *   each process takes its share of every step's batch (`batches(…, shard)`), the gradients are averaged over
 *   the processes before the optimizer step (engine/distributed/data_parallel_step.ts), every process starts from
 *   rank 0's state (fresh or resumed), and rank 0 alone writes the run folder, the log, the checkpoints,
 *   prints progress and evaluates; the processes agree after each step whether to stop (Ctrl-C).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as YAML from 'yaml';
import { Module } from '../engine/nn/module';
import { Optimizer } from '../engine/optim/optimizer';
import { trainStep, StepResult } from '../engine/train_step';
import { atomicWrite, DiskFullError } from '../engine/atomic_write';
import { saveCheckpoint, CheckpointMeta } from './checkpoint';
import { resumeRun } from './resume';
import { openRunFolder } from './run_folder';
import { JsonlLog } from './jsonl_log';
import { threadChangeNote } from './thread_count';
import { backendThreads } from '../engine/backend_threads';
import { lowerHelperThreads } from '../engine/helper_thread_priority';
import { Progress } from './progress';
import { InterruptedError, InterruptWatch, yieldToEventLoop } from './interrupt';
import { processWorld, World } from '../engine/distributed/world';
import { Shard } from '../engine/distributed/shard';
import { DataParallelStep } from '../engine/distributed/data_parallel_step';
import { replicateBuffers, replicateFromRoot, trainsBatchNorm } from '../engine/distributed/replicate_state';
import { broadcastJson } from '../engine/distributed/json_collectives';
import { agreeAny } from '../engine/distributed/agree';
import { NullLog } from './jsonl_log';

/** The loss of one step: the total and named parts (scalars the step's log record reports). */
export type LossFn = () => { total: tf.Scalar; parts?: Record<string, tf.Scalar> };

export interface TrainingTask<B> {
  model: Module;
  optimizer: Optimizer;
  totalSteps: number;
  /** written to the run folder as config.yaml */
  config: unknown;
  /** what the checkpoints' JSON holds besides the step (kind, config, classes, …) */
  checkpointMeta: Omit<CheckpointMeta, 'format' | 'version' | 'step'>;
  /** why a checkpoint found in the folder cannot be resumed by this task, or null */
  checkResume(meta: CheckpointMeta): string | null;
  /** a fresh start (nothing to resume): pretrained or fine-tuning weights */
  initFresh(): Promise<void>;
  /** fields of the log's `start` record */
  startRecord: Record<string, unknown>;
  learningRate(step: number): number;
  /**
   * the batches of steps `from`, `from + 1`, … (up to `end`), each derived from the seed and its step; of each
   * step's batch, only the share of `shard` (the whole when the process runs alone; engine/distributed/shard.ts)
   */
  batches(from: number, end: number, log: JsonlLog, shard: Shard): AsyncIterator<B>;
  /** how many images `batch` holds (a process's share may have none) */
  imagesIn(batch: B): number;
  /** the loss of `batch` at `step` (0-based: the step being taken) */
  loss(batch: B, step: number): LossFn;
  /** the step's log fields (besides step, loss, lr, img/s) and how many images it saw */
  stepRecord(batch: B, result: StepResult, step: number): { images: number; fields: Record<string, number> };
  /** save a checkpoint after `step` (1-based)? (the last step and an interruption always save) */
  isCheckpointStep(step: number): boolean;
  /** evaluate every this many steps during training (null: only at the end) */
  evalEvery: number | null;
  /**
   * the model's loss on a bounded held-out sample at `step` (1-based), at each mid-run evaluation: the mean total
   * `loss` and parts, e.g. also an error rate. It must change no state (eval mode, no update, its own random
   * stream) and dispose every tensor; null: nothing to measure (e.g. switched off).
   */
  validationLoss?(step: number): Promise<Record<string, number> | null>;
  /** an evaluation of the model: during training (`final` false) or at the end */
  evaluate?(step: number, final: boolean): Promise<Record<string, unknown>>;
  /** the command that evaluates `checkpoint` like the final evaluation does */
  evalCommand(checkpoint: string): string;
  /** a log record of the task's own after the training steps (e.g. a count of skipped images), or null */
  endRecord?(): Record<string, unknown> | null;
}

export interface TrainingOptions {
  out: string;
  resume?: boolean;
  /** start over in a folder that holds a run (its files are moved aside) */
  force?: boolean;
  quiet?: boolean;
  /** stop after this many steps of this invocation (tests, interruption experiments) */
  maxSteps?: number;
  /** skip the final evaluation */
  skipEval?: boolean;
  /** the processes training together (default: this process's world, engine/distributed/world.ts) */
  world?: World;
}

export interface TrainingResult {
  steps: number;
  trainSeconds: number;
  imagesPerSecond: number;
  checkpoint: string;
  /** the last step's loss and its parts */
  last: Record<string, number>;
  /** the final evaluation's figures */
  metrics?: Record<string, unknown>;
}

/** The final evaluation failed; training is complete and its checkpoint kept. */
export class FinalEvalError extends Error {
  constructor(message: string, readonly cause: unknown) {
    super(message);
  }
}

const tagOf = (step: number) => `step-${String(step).padStart(7, '0')}`;

interface Opened {
  log: JsonlLog;
  step: number;
  checkpoint: string | null;
}

/** Opens the run folder and its log, resumes or starts fresh; returns the step to continue from. */
async function openRunAsRoot<B>(task: TrainingTask<B>, opts: TrainingOptions, world: World): Promise<Opened> {
  const notes = openRunFolder(opts.out, opts);
  fs.mkdirSync(opts.out, { recursive: true });
  const log = new JsonlLog(path.join(opts.out, 'log.jsonl'));
  const say = (n: string) => {
    process.stderr.write(`resdet: ${n}\n`);
    log.write({ type: 'note', message: n });
  };
  notes.forEach(say);
  const resumed = opts.resume ? await resumeRun(opts.out, task.model, task.optimizer, log, task.checkResume, world.size) : null;
  resumed?.notes.forEach(say);
  // another number of processes has its own note (run/resume.ts)
  const threads = resumed?.processes === world.size ? threadChangeNote(JsonlLog.read(log.file), backendThreads(tf.getBackend())) : null;
  if (threads) say(threads);
  if (!resumed) await task.initFresh();
  await atomicWrite(path.join(opts.out, 'config.yaml'), [Buffer.from(YAML.stringify(task.config))]);
  return { log, step: resumed?.step ?? 0, checkpoint: resumed?.checkpoint ?? null };
}

/**
 * Rank 0 opens the run (folder, resume or fresh start); in a job, every other process then takes rank 0's
 * step and state, and logs nothing.
 */
async function openRun<B>(task: TrainingTask<B>, opts: TrainingOptions, world: World): Promise<Opened> {
  const opened = world.rank === 0 ? await openRunAsRoot(task, opts, world) : { log: new NullLog(), step: 0, checkpoint: null };
  if (world.size === 1) return opened;
  const { step, checkpoint } = broadcastJson(world, { step: opened.step, checkpoint: opened.checkpoint });
  replicateFromRoot(world, task.model, task.optimizer);
  return { log: opened.log, step, checkpoint };
}

/** One run's steps: the step, the last saved checkpoint, what the steps saw. */
class StepLoop<B> {
  step: number;
  checkpoint: string;
  private savedStep: number;
  images = 0;
  last: Record<string, number> = {};
  /** the processes agreed to stop (Ctrl-C in any of them) */
  stopped = false;
  private readonly params: Array<[string, tf.Variable]>;
  private readonly t0 = Date.now();
  private readonly root: boolean;
  private readonly dataParallel: DataParallelStep | null;
  private stepsRun = 0;

  constructor(
    private readonly task: TrainingTask<B>, private readonly opts: TrainingOptions, private readonly log: JsonlLog,
    first: number, resumedFrom: string | null, private readonly world: World,
  ) {
    this.step = first;
    this.checkpoint = resumedFrom ?? '';
    this.savedStep = resumedFrom ? first : -1;
    this.params = task.model.trainableParameters();
    this.root = world.rank === 0;
    this.dataParallel = world.size > 1 ? new DataParallelStep(world, this.params, task.optimizer) : null;
  }

  seconds(): number {
    return (Date.now() - this.t0) / 1000;
  }

  /** A checkpoint of this step, written by rank 0 (every process holds the same state). */
  private async save(): Promise<void> {
    if (this.root) {
      const meta = { ...this.task.checkpointMeta, step: this.step, optimizer: this.task.optimizer.kind, ...(this.world.size > 1 ? { processes: this.world.size } : {}) };
      this.checkpoint = await saveCheckpoint(this.opts.out, tagOf(this.step), this.task.model, meta, this.task.optimizer.state());
    }
    this.savedStep = this.step;
  }

  /** The step's update: this process alone, or its share of the batch with the other processes of the job. */
  private optimise(batch: B, lr: number): StepResult {
    const { task } = this;
    if (!this.dataParallel) return trainStep(this.params, task.loss(batch, this.step), task.optimizer, lr);
    const images = task.imagesIn(batch);
    const r = this.dataParallel.step(images ? task.loss(batch, this.step) : null, images, lr);
    if (trainsBatchNorm(task.model)) replicateBuffers(this.world, task.model);
    return r;
  }

  /** One optimisation step on `batch`, its log record and progress, and a mid-run evaluation when one is due. */
  private async train(batch: B, progress: Progress): Promise<void> {
    const { task, log } = this;
    const lr = task.learningRate(this.step);
    const r = this.optimise(batch, lr);
    const rec = task.stepRecord(batch, r, this.step);
    this.step++;
    this.images += r.images ?? rec.images;
    this.last = { loss: r.loss, ...r.parts };
    const ips = this.images / this.seconds();
    const comm = r.commSeconds === undefined ? {} : { commMs: r.commSeconds * 1000 }; // data-parallel: time in collectives
    log.write({ type: 'train', step: this.step, ...rec.fields, loss: r.loss, lr, imgPerSec: ips, ...comm });
    progress.update(this.step, { loss: r.loss, lr, 'img/s': ips });
    const last = this.step === task.totalSteps;
    if (this.root && task.evalEvery && (this.step % task.evalEvery === 0 || last)) await this.midRunEvaluation(!last);
  }

  /**
   * The validation loss (a `val` record) due after this step, and the evaluation (an `eval` record) unless the
   * final one follows; back to train mode.
   */
  private async midRunEvaluation(withEval: boolean): Promise<void> {
    const { task, log, step } = this;
    try {
      const val = task.validationLoss ? await task.validationLoss(step) : null;
      if (val) log.write({ type: 'val', step, ...val });
      if (task.evaluate && withEval) log.write({ type: 'eval', step, curve: true, ...(await task.evaluate(step, false)) });
    } finally {
      task.model.train();
    }
  }

  /** Whether to stop now: Ctrl-C seen here or, in a job, by any of its processes (all then stop at the same step). */
  private agreeToStop(watch: InterruptWatch): boolean {
    this.stopped = this.world.size > 1 ? agreeAny(this.world, watch.interrupted) : watch.interrupted;
    return this.stopped;
  }

  /** Steps until `end` or Ctrl-C, checkpoints when due, at the end and on Ctrl-C; a full disk names the last good checkpoint. */
  async run(end: number, watch: InterruptWatch): Promise<void> {
    const progress = new Progress('train', this.task.totalSteps, this.opts.quiet || !this.root, this.step);
    const batches = this.task.batches(this.step, end, this.log, { rank: this.world.rank, size: this.world.size });
    try {
      this.task.model.train();
      while (this.step < end && !this.agreeToStop(watch)) {
        const next = await batches.next();
        if (next.done) break;
        await this.train(next.value, progress);
        // after the first step (the data workers and their threads are up by then), and again every 100 steps
        if (this.stepsRun++ % 100 === 0) lowerHelperThreads();
        await yieldToEventLoop(); // a Ctrl-C that came during the step is seen here
        if (this.task.isCheckpointStep(this.step) || this.step === this.task.totalSteps || this.agreeToStop(watch)) await this.save();
      }
      if (this.savedStep !== this.step) await this.save();
      this.world.barrier(); // rank 0's checkpoint is complete before any process goes on, or ends
    } catch (e) {
      if (e instanceof DiskFullError) throw new DiskFullError(e.file, `the last good checkpoint is ${this.checkpoint || 'none (no checkpoint was saved)'}`);
      throw e;
    } finally {
      progress.stop();
      await batches.return?.();
    }
  }
}

/** Runs `task` in the run folder `opts.out`; see the file's comment. */
export async function runTraining<B>(task: TrainingTask<B>, opts: TrainingOptions): Promise<TrainingResult> {
  const world = opts.world ?? processWorld();
  const { log, step: first, checkpoint: resumedFrom } = await openRun(task, opts, world);
  const processes = world.size > 1 ? { processes: world.size } : {};
  log.write({ type: 'start', step: first, totalSteps: task.totalSteps, ...task.startRecord, threads: backendThreads(tf.getBackend()), ...processes });
  const loop = new StepLoop(task, opts, log, first, resumedFrom, world);
  const watch = new InterruptWatch();
  try {
    await loop.run(Math.min(task.totalSteps, first + (opts.maxSteps ?? Infinity)), watch);
    const { step, checkpoint } = loop;
    const trainSeconds = loop.seconds();
    const result: TrainingResult = { steps: step, trainSeconds, imagesPerSecond: loop.images / Math.max(trainSeconds, 1e-9), checkpoint, last: loop.last };
    const endRecord = task.endRecord?.();
    if (endRecord) log.write(endRecord);
    if (loop.stopped) {
      log.write({ type: 'interrupted', step, checkpoint });
      throw new InterruptedError(`interrupted at step ${step}; checkpoint ${checkpoint}; run the same command again with --resume to continue`);
    }
    const evaluates = task.evaluate && !opts.skipEval && step === task.totalSteps && world.rank === 0;
    if (evaluates) result.metrics = await finalEvaluation(task, step, checkpoint, log, watch);
    return result;
  } finally {
    watch.stop();
  }
}

/** The final evaluation, raced against Ctrl-C; a failure keeps the checkpoint and says how to evaluate it. */
async function finalEvaluation<B>(task: TrainingTask<B>, step: number, checkpoint: string, log: JsonlLog, watch: InterruptWatch): Promise<Record<string, unknown>> {
  const kept = `training finished and its checkpoint ${checkpoint} is kept; evaluate it with: ${task.evalCommand(checkpoint)}`;
  log.write({ type: 'final_eval_start', step });
  try {
    const metrics = await watch.race(task.evaluate!(step, true), () => new InterruptedError(`interrupted during the final evaluation; ${kept}`));
    log.write({ type: 'eval', step, ...metrics });
    return metrics;
  } catch (e) {
    if (e instanceof InterruptedError) {
      log.write({ type: 'interrupted', step, checkpoint, during: 'final evaluation' });
      throw e;
    }
    if (e instanceof DiskFullError) throw new DiskFullError(e.file, `the last good checkpoint is ${checkpoint}`);
    const message = ((e as Error)?.message ?? String(e)).split('\n')[0];
    log.write({ type: 'final_eval_failed', step, message });
    throw new FinalEvalError(`the final evaluation failed: ${message}; ${kept}`, e);
  }
}
