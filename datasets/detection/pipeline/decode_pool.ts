/**
 * Worker threads that decode images into batch slots (SharedArrayBuffer), so decoding, resizing and
 * normalising use every core while the main thread runs the training step. Each worker evaluates the source
 * text of decode_into.ts's decodeInto and its helpers (they refer only to their `deps` argument and to each
 * other), so the same code runs from dist/ and under ts-jest. Jobs go to the least busy worker.
 */
import * as os from 'os';
import { Worker } from 'worker_threads';
import { toRgb } from '../../classification/decode';
import { hrow, resizeNormalizeInto, taps } from './bilinear';
import { filterNormalizeInto, filterTaps } from './triangle';
import { decodeInto, DecodeJob } from './decode_into';
import { DecodedPixels } from './decoded_cache';
import { writeNormalized } from './normalize';

function workerSource(): string {
  return [
    `const { parentPort } = require('worker_threads');`,
    `const sharp = require(${JSON.stringify(require.resolve('sharp'))});`,
    taps.toString(),
    hrow.toString(),
    filterTaps.toString(),
    `const deps = { sharp, toRgb: ${toRgb.toString()}, resizeNormalizeInto: ${resizeNormalizeInto.toString()}, filterNormalizeInto: ${filterNormalizeInto.toString()}, writeNormalized: ${writeNormalized.toString()} };`,
    `const decodeInto = ${decodeInto.toString()};`,
    `parentPort.on('message', (m) => decodeInto(deps, m.job).then((kept) => parentPort.postMessage({ id: m.id, kept }), (e) => parentPort.postMessage({ id: m.id, error: e.message })));`,
  ].join('\n');
}

interface Slot {
  worker: Worker;
  busy: number;
}

export class DecodePool {
  private slots: Slot[];
  private pending = new Map<number, { resolve: (kept: DecodedPixels | null) => void; reject: (e: Error) => void; slot: Slot }>();
  private nextId = 0;

  constructor(size = os.cpus().length) {
    const src = workerSource();
    this.slots = Array.from({ length: Math.max(1, size) }, () => {
      const slot: Slot = { worker: new Worker(src, { eval: true }), busy: 0 };
      slot.worker.on('message', (m: { id: number; error?: string; kept?: DecodedPixels | null }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (--p.slot.busy === 0) p.slot.worker.unref(); // an idle pool does not keep the process alive
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(m.kept ?? null);
      });
      slot.worker.on('error', (e) => {
        for (const [id, p] of this.pending) if (p.slot === slot) {
          this.pending.delete(id);
          p.reject(e);
        }
      });
      slot.worker.unref();
      return slot;
    });
  }

  /** Decodes `job` in the least busy worker; resolves to the decoded pixels when the job asks to keep them. */
  run(job: DecodeJob): Promise<DecodedPixels | null> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    if (slot.busy++ === 0) slot.worker.ref();
    const id = this.nextId++;
    return new Promise<DecodedPixels | null>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
