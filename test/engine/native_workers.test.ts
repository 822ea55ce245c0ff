/**
 * Thread shares among concurrent native-backend processes: each process registers its pid, dead processes'
 * files are cleaned up, and the share is cores / live processes (at least 1); RESDET_THREADS overrides it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { registerNativeWorker, threadShare } from '../../engine/native/worker_registry';
import { tempDir } from '../helpers/temp_dir';

test('threadShare divides the cores, never below 1', () => {
  expect(threadShare(2, 1)).toBe(2);
  expect(threadShare(2, 2)).toBe(1);
  expect(threadShare(2, 5)).toBe(1);
  expect(threadShare(8, 3)).toBe(2);
  expect(threadShare(4, 0)).toBe(4);
});

test('live processes count, dead ones are removed, this one is registered', () => {
  const dir = tempDir('workers');
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid as number;
  try {
    fs.writeFileSync(path.join(dir, String(sleeper.pid)), '');
    fs.writeFileSync(path.join(dir, String(dead)), '');
    fs.writeFileSync(path.join(dir, 'not-a-pid'), '');
    expect(registerNativeWorker(dir)).toBe(2); // this process and the sleeper
    expect(fs.existsSync(path.join(dir, String(dead)))).toBe(false);
    expect(fs.existsSync(path.join(dir, String(process.pid)))).toBe(true);
  } finally {
    sleeper.kill();
  }
});
