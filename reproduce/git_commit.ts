/** The commit of the resdet checkout that is running (for results files), or null outside a git checkout. */
import { execFileSync } from 'child_process';
import * as path from 'path';

export function gitCommit(): string | null {
  try {
    const root = path.resolve(__dirname, '..', '..');
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return null;
  }
}
