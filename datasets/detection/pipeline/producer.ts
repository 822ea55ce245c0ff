/**
 * The training/inference feeder: a producer with a bounded queue. It keeps up to `prefetch` batches in
 * preparation ahead of the consumer, with at most `concurrency` images decoding at once on sharp's threads,
 * so the next batches are decoded while the current training step runs. A bad image (truncated, not an image)
 * is reported through onSkip and left out of its batch; `skipped` holds them all for the end-of-run count.
 * Random draws happen when a batch is scheduled, in batch order, so results do not depend on timing.
 */
import { Rng } from '../../../engine/rng';
import { DatasetRecord } from '../record';
import { assembleBatch, Batch, DecodedItem } from './batch';
import { decodeResized } from './decode_resized';
import { NORMALIZATIONS } from './normalize';
import { planImage, TransformOptions } from './transforms';

export interface ProducerOptions {
  transforms: TransformOptions;
  /** batches prepared ahead of the consumer (default 2) */
  prefetch?: number;
  /** images decoding at once (default 4) */
  concurrency?: number;
  onSkip?: (file: string, message: string) => void;
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

  constructor(
    private readonly records: DatasetRecord[],
    private readonly batches: Int32Array[],
    private readonly opts: ProducerOptions,
    private readonly rng: Rng | null,
  ) {
    this.slots = new Semaphore(opts.concurrency ?? 4);
  }

  private async decodeOne(index: number, plan: DecodedItem['plan']): Promise<DecodedItem | null> {
    const record = this.records[index];
    await this.slots.acquire();
    try {
      return { index, record, plan, pixels: await decodeResized(record.file, plan) };
    } catch (e) {
      const message = (e as Error).message;
      this.skipped.push({ file: record.file, message });
      this.opts.onSkip?.(record.file, message);
      return null;
    } finally {
      this.slots.release();
    }
  }

  /** Starts one batch: draws its randomness now, decodes in the background. */
  private schedule(b: number): Promise<Batch | null> {
    const t = this.opts.transforms;
    const plans = Array.from(this.batches[b], (i) => ({ i, plan: planImage(this.records[i], t, this.rng) }));
    const p = Promise.all(plans.map(({ i, plan }) => this.decodeOne(i, plan))).then((items) => {
      const ok = items.filter((x): x is DecodedItem => x !== null);
      return ok.length ? assembleBatch(ok, NORMALIZATIONS[t.normalization], t.includeDifficult) : null;
    });
    p.catch(() => undefined); // surfaced when the consumer awaits it
    return p;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const ahead = Math.max(1, this.opts.prefetch ?? 2);
    const queue: Promise<Batch | null>[] = [];
    let next = 0;
    while (next < this.batches.length && queue.length < ahead) queue.push(this.schedule(next++));
    while (queue.length) {
      const batch = await queue.shift()!;
      if (next < this.batches.length) queue.push(this.schedule(next++));
      if (batch) yield batch;
    }
  }
}
