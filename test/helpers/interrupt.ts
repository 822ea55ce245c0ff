/**
 * Runs the built CLI in the background (like runCli, but without waiting) and sends it Ctrl-C (SIGINT) when its
 * JSON-lines log says so: after N training steps, or when a record of some type appears.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './cli';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Started {
  pid: number;
  /** sends SIGINT (once) */
  interrupt(): void;
  done: Promise<Finished>;
}

export function startCli(args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, RESDET_BACKEND: 'wasm', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  let sent = false;
  const interrupt = () => {
    if (!sent) child.kill('SIGINT');
    sent = true;
  };
  return { pid: child.pid!, interrupt, done };
}

function records(log: string): Array<Record<string, unknown>> {
  if (!fs.existsSync(log)) return [];
  // a line may be half written while we read: keep the whole ones
  return fs.readFileSync(log, 'utf8').split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

/** Starts the CLI and sends Ctrl-C once `when(records of log)` holds (polled every 50 ms); resolves when it exits. */
export function interruptWhen(args: string[], log: string, when: (records: Array<Record<string, unknown>>) => boolean, env: Record<string, string> = {}): Promise<Finished> {
  const run = startCli(args, env);
  const poll = setInterval(() => {
    if (when(records(log))) {
      clearInterval(poll);
      run.interrupt();
    }
  }, 50);
  return run.done.finally(() => clearInterval(poll));
}

/** Starts the CLI and sends Ctrl-C once its log holds `steps` training steps. */
export function interruptAfterSteps(args: string[], log: string, steps: number, env: Record<string, string> = {}): Promise<Finished> {
  return interruptWhen(args, log, (rs) => rs.filter((r) => r.type === 'train').length >= steps, env);
}
