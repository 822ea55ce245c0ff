/**
 * Atomic file writes: the bytes go to FILE.tmp-<pid>, are fsynced and renamed onto FILE, so a reader sees the old
 * file or the new one, never a half-written one. A full disk is a `DiskFullError` naming the file (the temp file
 * is removed); a crash leaves only a `.tmp-<pid>` file that the next run cleans (run/run_folder.ts).
 */
import * as fs from 'fs';
import * as path from 'path';

/** No space left on the device while writing `file` (`detail`: what the user still has, e.g. the last good checkpoint). */
export class DiskFullError extends Error {
  constructor(readonly file: string, detail?: string) {
    super(`no space left writing ${file}${detail ? `; ${detail}` : ''}`);
  }
}

export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function writeAll(fh: fs.promises.FileHandle, chunks: Uint8Array[]): Promise<void> {
  for (const c of chunks) {
    let done = 0;
    while (done < c.length) done += (await fh.write(c, done, c.length - done)).bytesWritten;
  }
  await fh.sync();
}

async function syncDirectory(file: string): Promise<void> {
  try {
    const dh = await fs.promises.open(path.dirname(path.resolve(file)), 'r');
    await dh.sync().catch(() => undefined);
    await dh.close();
  } catch {
    /* directory fsync is not possible everywhere */
  }
}

/** Writes `chunks` to `file` atomically (temp file, fsync, rename, directory fsync best effort). */
export async function atomicWrite(file: string, chunks: Uint8Array[]): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fh = await fs.promises.open(tmp, 'w');
    try {
      await writeAll(fh, chunks);
    } finally {
      await fh.close().catch(() => undefined);
    }
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw isDiskFull(e) ? new DiskFullError(file) : e;
  }
  await syncDirectory(file);
}
