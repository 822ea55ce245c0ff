/**
 * The training/inference feeder: a producer with a bounded queue. It keeps up to `prefetch` batches in
 * preparation ahead of the consumer, with at most `concurrency` images decoding at once — in worker threads
 * (decode_pool.ts, one per core by default) that write straight into the batch's shared buffer — so the next
 * batches are decoded while the current training step runs. A bad image (truncated, not an image) is reported
 * through onSkip and left out of its batch; `skipped` holds them all for the end-of-run count. Random draws
 * happen when a batch is scheduled, in batch order, so results do not depend on timing.
 */
import * as os from 'os';
import { Rng } from '../../../engine/rng';
import { Shard, shardPositions } from '../../../engine/distributed/shard';
import { DatasetRecord } from '../record';
import { Batch, batchLayout, imageMeta, keepSlots, normalizationParams, zeroPadding } from './batch';
import { decodeInto, DecodeJob, LOCAL_DEPS, Resizer } from './decode_into';
import { DecodePool } from './decode_pool';
import { DecodedImageCache } from './decoded_cache';
import { NORMALIZATIONS } from './normalize';
import { ImagePlan, planImage, TransformOptions } from './transforms';

export interface ProducerOptions {
  transforms: TransformOptions;
  /** batches prepared ahead of the consumer (default 2) */
  prefetch?: number;
  /** images decoding at once (default 2 per worker, or 4 without workers) */
  concurrency?: number;
  /**
   * decoding worker threads (default: one per core); 0 decodes in this thread with sharp's own threads. With
   * workers, `images` views a SharedArrayBuffer; a backend that refuses one needs a copy (or workers: 0).
   */
  workers?: number;
  /** a pool to share across epochs (then `workers` is ignored and the pool is not closed at the end) */
  pool?: DecodePool;
  /**
   * decoded images kept across epochs (decoded_cache.ts): images it holds are not decoded again, images it has
   * room for are kept once decoded. Share one across the epochs' producers.
   */
  cache?: DecodedImageCache;
  /** who enlarges images (default 'auto': JS when an image grows, libvips when it shrinks) */
  resizer?: Resizer;
  onSkip?: (file: string, message: string) => void;
  /**
   * decode only this process's share of each batch (data-parallel training: engine/distributed/shard.ts). The
   * whole batch is still planned (the same random draws) and laid out (the same padded size), so each image
   * is exactly as in the whole batch; a share with no readable image is an empty batch, not a skipped one
   * (every process must take every step).
   */
  shard?: Shard;
  /**
   * Reuse batch storage (default true): a batch's `images` stay valid until the next batch is requested, then
   * the storage is recycled (prefetch + 1 buffers in turn). The trainer copies each batch into a tensor at once,
   * and fresh 6 MB buffers per image cost more than decoding (page faults). false: every batch owns its array.
   */
  reuseBuffers?: boolean;
}

export interface SkippedImage {
  file: string;
  message: string;
}

class Semaphore {
  private waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class BatchProducer implements AsyncIterable<Batch> {
  readonly skipped: SkippedImage[] = [];
  private readonly slots: Semaphore;
  private pool: DecodePool | null = null;
  private ring: ArrayBufferLike[] = [];
  private readonly workers: number;

  constructor(
    private readonly records: DatasetRecord[],
    private readonly batches: Int32Array[],
    private readonly opts: ProducerOptions,
    private readonly rng: Rng | null,
  ) {
    this.workers = opts.pool ? 1 : opts.workers ?? os.cpus().length;
    this.slots = new Semaphore(opts.concurrency ?? (this.workers > 0 ? 2 * this.workers : 4));
  }

  private async decode(job: DecodeJob): Promise<void> {
    await this.slots.acquire();
    try {
      const pool = this.opts.pool ?? this.pool;
      const kept = pool ? await pool.run(job) : await decodeInto(LOCAL_DEPS, job);
      if (kept) this.opts.cache?.offer(job.file, kept);
    } finally {
      this.slots.release();
    }
  }

  /** The cache's part of a job: the image's decoded pixels if held, else whether to keep them once decoded. */
  private cachePart(record: DatasetRecord, resizer: Resizer, plan: ImagePlan): Pick<DecodeJob, 'cached' | 'keep'> {
    const cache = this.opts.cache;
    if (!cache || resizer === 'sharp' || plan.jitter) return {};
    const cached = cache.get(record.file);
    return cached ? { cached } : { keep: cache.hasRoomFor(record.width * record.height * 3) };
  }

  /** Storage for batch b: a fresh buffer, or the ring slot batch b - (prefetch + 1) used (grown if too small). */
  private storage(b: number, bytes: number): ArrayBufferLike {
    const shared = !!(this.opts.pool || this.pool);
    const make = () => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    if (this.opts.reuseBuffers === false) return make();
    const slot = b % (Math.max(1, this.opts.prefetch ?? 2) + 1);
    const have = this.ring[slot];
    if (!have || have.byteLength < bytes) this.ring[slot] = make();
    return this.ring[slot];
  }

  /** Starts one batch: draws its randomness now, decodes (this process's share of) it in the background. */
  private schedule(b: number): Promise<Batch | null> {
    const t = this.opts.transforms;
    const all = Array.from(this.batches[b]);
    const allPlans = all.map((i) => planImage(this.records[i], t, this.rng));
    const { height: H, width: W } = batchLayout(allPlans);
    const positions = this.opts.shard ? shardPositions(all.length, this.opts.shard) : all.map((_, k) => k);
    const indices = positions.map((k) => all[k]);
    const plans = positions.map((k) => allPlans[k]);
    const per = H * W * 3;
    const buffer = this.storage(b, indices.length * per * 4);
    const view = new Float32Array(buffer, 0, indices.length * per);
    if (this.opts.reuseBuffers !== false) plans.forEach((p, k) => zeroPadding(view, k, H, W, p.geometry.height, p.geometry.width));
    const norm = normalizationParams(NORMALIZATIONS[t.normalization]);
    const resizer = this.opts.resizer ?? (t.resize === 'torch-bilinear' ? 'js' : 'auto');
    const jobs = indices.map((i, k): DecodeJob => ({
      file: this.records[i].file, plan: plans[k], size: this.records[i], resizer,
      buffer, offset: k * per, rowStride: W * 3, ...norm, ...this.cachePart(this.records[i], resizer, plans[k]),
    }));
    const p = Promise.allSettled(jobs.map((j) => this.decode(j))).then((results) => {
      const ok: number[] = [];
      results.forEach((r, k) => {
        if (r.status === 'fulfilled') return void ok.push(k);
        const file = this.records[indices[k]].file;
        const message = (r.reason as Error).message;
        this.skipped.push({ file, message });
        this.opts.onSkip?.(file, message);
      });
      if (ok.length === 0 && !this.opts.shard) return null;
      return {
        images: ok.length === indices.length ? view : keepSlots(view, per, ok),
        shape: [ok.length, H, W, 3] as [number, number, number, number],
        metas: ok.map((k) => imageMeta(indices[k], this.records[indices[k]], plans[k], t.includeDifficult)),
      };
    });
    p.catch(() => undefined); // surfaced when the consumer awaits it
    return p;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (!this.opts.pool && this.workers > 0) this.pool = new DecodePool(this.workers);
    const ahead = Math.max(1, this.opts.prefetch ?? 2);
    const queue: Promise<Batch | null>[] = [];
    let next = 0;
    try {
      while (next < this.batches.length && queue.length < ahead) queue.push(this.schedule(next++));
      while (queue.length) {
        const batch = await queue.shift()!;
        if (next < this.batches.length) queue.push(this.schedule(next++));
        if (batch) yield batch;
      }
    } finally {
      await Promise.allSettled(queue);
      if (this.pool) await this.pool.close();
      this.pool = null;
    }
  }
}
