/** Image sizes for formats whose annotations do not state them (CSV, YOLO): read from the file headers. */
import { orientedSize } from '../classification/decode';
import { forEachLimit, ProblemLog } from './validate';

/** Oriented width/height of each file (null when unreadable, with an error naming the file and its user). */
export async function readImageSizes(
  files: string[], log: ProblemLog, usedBy: (file: string) => string, concurrency = 8,
): Promise<Map<string, { width: number; height: number } | null>> {
  const sizes = new Map<string, { width: number; height: number } | null>();
  await forEachLimit(files, concurrency, async (f) => {
    try {
      sizes.set(f, await orientedSize(f));
    } catch (e) {
      log.unreadable(f, usedBy(f), (e as Error).message.replace(/^cannot read image [^:]*: /, 'not a readable image: '));
      sizes.set(f, null);
    }
  });
  return sizes;
}
