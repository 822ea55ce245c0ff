/** Thread counts from a run's log, and the note when a run is resumed with another count. */
import { threadsInReason, threadsOf, threadChangeNote } from '../../run/thread_count';

const start = (reason: string) => ({ type: 'start', reason });

test('the thread count a backend description names', () => {
  expect(threadsInReason('using native (oneDNN 2.6.3, 2 threads) (requested)')).toBe(2);
  expect(threadsInReason('native (oneDNN 2.6.3, 1 thread)')).toBe(1);
  expect(threadsInReason('wasm (SIMD)')).toBeNull();
  expect(threadsInReason(undefined)).toBeNull();
});

test('the distinct counts of the start records, in order', () => {
  const log = [start('native (oneDNN, 2 threads)'), { type: 'train', step: 1, reason: '9 threads' }, start('native (oneDNN, 1 thread)'), start('native (oneDNN, 2 threads)')];
  expect(threadsOf(log)).toEqual([2, 1]);
});

test('the start records\' own thread count wins over the description', () => {
  expect(threadsOf([{ type: 'start', threads: 1, reason: 'native (oneDNN 2.6.3, 2 threads)' }, start('native (oneDNN, 2 threads)')])).toEqual([1, 2]);
});

test('a note only when the resumed run computes with another count', () => {
  const log = [start('native (oneDNN 2.6.3, 1 thread)')];
  expect(threadChangeNote(log, 1)).toBeNull();
  expect(threadChangeNote(log, null)).toBeNull();
  expect(threadChangeNote([], 2)).toBeNull();
  const saved = process.env.RESDET_THREADS;
  try {
    process.env.RESDET_THREADS = '2';
    expect(threadChangeNote(log, 2)).toBe(
      "resuming with 2 thread(s), the run so far used 1: the losses will not match an uninterrupted run bit for bit (RESDET_THREADS sets 2; unset it, or set 1, to keep the run's count)",
    );
    // wasm: its threads are fixed when it starts, so the count can change without RESDET_THREADS
    delete process.env.RESDET_THREADS;
    expect(threadChangeNote(log, 2)).toBe(
      "resuming with 2 thread(s), the run so far used 1: the losses will not match an uninterrupted run bit for bit (RESDET_THREADS=1 keeps the run's count)",
    );
  } finally {
    if (saved === undefined) delete process.env.RESDET_THREADS;
    else process.env.RESDET_THREADS = saved;
  }
});
