/**
 * The command line allows engine/helper_thread_priority.ts: while `resdet classify train` trains on native, its
 * process's helper threads go to nice 19 and the main thread and the OpenMP worker stay at 0 — read from the
 * running process's /proc/<pid>/task, from outside it.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { requires } from '../helpers/requirements';

const { test: testNativeFm } = requires('native', 'fashion-mnist');

/** Each thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat), or null once the process is gone. */
function niceValues(pid: number): Map<number, number> | null {
  try {
    const out = new Map<number, number>();
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      out.set(Number(t), Number(stat.split(')').pop()!.trim().split(' ')[16]));
    }
    return out;
  } catch {
    return null;
  }
}

testNativeFm('while the CLI trains on native, its helper threads run at nice 19, the kernel threads at 0', async () => {
  const out = path.join(tempDir('helper-threads'), 'run');
  const args = ['classify', 'train', '--arch', 'resnet20', '--dataset', 'fashion-mnist', '--limit', '4000', '--epochs', '1',
    '--out', out, '--quiet', '--backend', 'native'];
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bin', 'resdet.js'), ...args], {
    cwd: ROOT, env: { ...process.env, RESDET_THREADS: '2' }, stdio: 'ignore',
  });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let seen: Map<number, number> | null = null;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const now = niceValues(child.pid!);
    if (now && [...now.values()].filter((n) => n === 19).length >= 4) {
      seen = now;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  await ended;
  expect(seen).not.toBeNull();
  expect(seen!.get(child.pid!)).toBe(0); // the main thread
  expect([...seen!.values()].filter((n) => n === 0)).toHaveLength(2); // and the OpenMP worker of RESDET_THREADS=2
}, 180_000);
