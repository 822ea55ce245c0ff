/** Where a reproduction ran: the git commit of the code (with `-dirty` for uncommitted changes), the machine. */
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..'); // dist/reproduce → the package root

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The commit the code was built from, `<sha>-dirty` with uncommitted changes, or 'unknown' outside git. */
export function gitCommit(): string {
  const sha = git(['rev-parse', '--short=12', 'HEAD']);
  if (!sha) return 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return dirty ? `${sha}-dirty` : sha;
}

export function machine(): { cpu: string; cores: number; loadavg: number[] } {
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) };
}
