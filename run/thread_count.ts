/**
 * The thread counts a run trained with, from its log: every invocation's `start` record has `threads` (older
 * logs: its backend description names them, e.g. `native (oneDNN 2.6.3, 2 threads)`). oneDNN adds up sums in an
 * order that depends on the thread count, so a resumed run takes its checkpoint's count again (run/resume.ts);
 * when RESDET_THREADS forces another, the run does not continue bit for bit as it would have, and the harness
 * says so. The wasm backend's products change with its threads too, and their count is fixed when the backend
 * starts (before the checkpoint is read): there only RESDET_THREADS can give the run its count back.
 */

/** The thread count a backend description names, or null (backends that do not say). */
export function threadsInReason(reason: unknown): number | null {
  const m = /(\d+) threads?\b/.exec(String(reason ?? ''));
  return m ? Number(m[1]) : null;
}

/** The distinct thread counts of a log's `start` records, in order of first use. */
export function threadsOf(log: Array<Record<string, unknown>>): number[] {
  const counts = log.filter((r) => r.type === 'start').map((r) => (typeof r.threads === 'number' ? r.threads : threadsInReason(r.reason)));
  return [...new Set(counts.filter((n): n is number => n !== null))];
}

/** A note when a resumed run computes with another thread count than the run so far, else null. */
export function threadChangeNote(log: Array<Record<string, unknown>>, now: number | null): string | null {
  const before = threadsOf(log);
  if (now === null || !before.length || before.every((n) => n === now)) return null;
  const last = before[before.length - 1];
  const hint = process.env.RESDET_THREADS ? `RESDET_THREADS sets ${now}; unset it, or set ${last}, to keep the run's count` : `RESDET_THREADS=${last} keeps the run's count`;
  return `resuming with ${now} thread(s), the run so far used ${before.join(', ')}: the losses will not match an uninterrupted run bit for bit (${hint})`;
}
