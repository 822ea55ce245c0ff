import { constants, PerformanceObserver, PerformanceEntry } from 'perf_hooks';
import { collectYoungGeneration } from '../../run/young_collection';

/** The kinds of the garbage collections V8 reports while `work` runs. */
async function collectionsDuring(work: () => void): Promise<number[]> {
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => list.getEntries().forEach((e: PerformanceEntry) => kinds.push((e.detail as { kind: number }).kind)));
  obs.observe({ entryTypes: ['gc'] });
  work();
  await new Promise((r) => setTimeout(r, 50)); // entries are delivered asynchronously
  obs.disconnect();
  return kinds;
}

describe('young-generation collection between training steps', () => {
  test('runs a scavenge (a minor collection, not a full one)', async () => {
    const kinds = await collectionsDuring(() => {
      for (let i = 0; i < 3; i++) {
        Array.from({ length: 1000 }, (_, k) => ({ k })); // garbage to collect
        expect(collectYoungGeneration()).toBe(true);
      }
    });
    expect(kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MAJOR).length).toBeLessThan(3); // not a full collection each time
  });
});
