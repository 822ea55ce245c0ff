/**
 * Fair thread shares when several resdet processes use the native backend at once (parallel jobs, jest
 * workers, a demo beside a benchmark): each process that loads the addon leaves a file named by its pid in
 * `$TMPDIR/resdet-native-workers/`, counts the files of processes still alive, and takes cores / (live
 * processes) threads (at least 1) — so two workers on 2 cores run 1 thread each instead of 2 threads each
 * fighting over the cores (OpenMP barriers then wait for descheduled peers). RESDET_THREADS overrides it.
 * The count is taken when the addon loads; the file is removed when the process exits.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const WORKER_DIR = path.join(os.tmpdir(), 'resdet-native-workers');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Registers this process and returns how many processes (this one included) use the native backend now. */
export function registerNativeWorker(dir = WORKER_DIR): number {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const mine = path.join(dir, String(process.pid));
    fs.writeFileSync(mine, '');
    process.once('exit', () => fs.rmSync(mine, { force: true }));
    let live = 0;
    for (const f of fs.readdirSync(dir)) {
      const pid = Number(f);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      if (pid === process.pid || alive(pid)) live++;
      else fs.rmSync(path.join(dir, f), { force: true }); // a process that ended without cleaning up
    }
    return Math.max(1, live);
  } catch {
    return 1; // no writable temp folder: behave as the only worker
  }
}

/** The thread share of one of `workers` processes on `cores` cores. */
export function threadShare(cores: number, workers: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
