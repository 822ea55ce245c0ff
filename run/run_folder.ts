/**
 * Opening a run folder for training, the same way for every trainer:
 * - temp files of atomic writes (`NAME.tmp-PID`) whose writing process is gone (kill -9, power loss) are removed;
 * - checkpoint files without their `.json` (a write that never finished: the JSON is written last) are removed;
 * - a folder that already holds a run is refused unless the run is resumed (`--resume`) or restarted on purpose
 *   (`--force`); restarting, or resuming a folder with nothing to resume, moves the old run's files into
 *   `previous-<time>/` so that nothing of it is lost and the new log starts empty.
 * Every such action comes back as a note for the console and the log.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointError } from './checkpoint';

const TEMP = /\.tmp-(\d+)$/;
const CHECKPOINT_FILE = /^(.+?)\.(optim\.)?safetensors$/;
/** What a run writes at its top level (its checkpoints are matched by CHECKPOINT_FILE and `<tag>.json`). */
const RUN_FILES = ['log.jsonl', 'last_checkpoint', 'metrics.json', 'config.yaml'];

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `*.tmp-PID` files in `dir` whose process no longer runs; returns their names. */
export function removeStaleTempFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const stale = fs.readdirSync(dir).filter((f) => {
    const m = TEMP.exec(f);
    return m !== null && !alive(Number(m[1]));
  });
  for (const f of stale) fs.rmSync(path.join(dir, f), { force: true });
  return stale;
}

/** Removes checkpoint files whose `<tag>.json` is missing (an interrupted write); returns the tags. */
export function removeIncompleteCheckpoints(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const tags = new Set<string>();
  for (const f of fs.readdirSync(dir)) {
    const m = CHECKPOINT_FILE.exec(f);
    if (m && !fs.existsSync(path.join(dir, `${m[1]}.json`))) {
      tags.add(m[1]);
      fs.rmSync(path.join(dir, f), { force: true });
    }
  }
  return [...tags];
}

/** The files of a run in `dir`: its log, markers, config, metrics and checkpoints. */
function runFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => {
    if (RUN_FILES.includes(f) || CHECKPOINT_FILE.test(f)) return true;
    return f.endsWith('.json') && fs.existsSync(path.join(dir, f.replace(/\.json$/, '.safetensors')));
  });
}

/** Moves the run's files into `previous-<time>/` beside them; returns that folder. */
function setAside(dir: string, files: string[]): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const to = path.join(dir, `previous-${stamp}`);
  fs.mkdirSync(to);
  for (const f of files) fs.renameSync(path.join(dir, f), path.join(to, f));
  return to;
}

export interface OpenRunOptions {
  /** continue the run in the folder from its newest checkpoint */
  resume?: boolean;
  /** start over in a folder that holds a run (its files are moved aside, not deleted) */
  force?: boolean;
}

/**
 * Prepares `dir` for a training run; returns notes to print and log. Throws a CheckpointError when the folder
 * holds a run and neither `resume` nor `force` says what to do with it.
 */
export function openRunFolder(dir: string, opts: OpenRunOptions): string[] {
  const files = runFiles(dir);
  const resumable = fs.existsSync(path.join(dir, 'last_checkpoint'));
  if (files.length && !opts.resume && !opts.force) {
    throw new CheckpointError(`${dir} already holds a run (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}): ` +
      'continue it with --resume, or start over with --force (its files are moved into previous-<time>/)');
  }
  const notes: string[] = [];
  const temps = removeStaleTempFiles(dir);
  if (temps.length) notes.push(`removed ${temps.length} temporary file(s) left by an interrupted write: ${temps.join(', ')}`);
  if (opts.resume && resumable) {
    const partial = removeIncompleteCheckpoints(dir);
    if (partial.length) notes.push(`removed incomplete checkpoint(s) (their .json was never written): ${partial.join(', ')}`);
  } else if (files.length) {
    const to = setAside(dir, files);
    notes.push(`${opts.resume ? 'nothing to resume (no checkpoint)' : 'starting over (--force)'}: the earlier run's files are in ${to}`);
  }
  return notes;
}
