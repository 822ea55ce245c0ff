/**
 * Ctrl-C in a command that has no run of its own to save (here `data synth` writing many images; the same holds
 * for predict, eval and the sweeps of `reproduce` between two runs): one line and exit 130, never death by the
 * signal with nothing said. Training runs have their own handling (test/bin/training_harness_cli.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { startCli } from '../helpers/interrupt';
import { tempDir } from '../helpers/temp_dir';

const tmp = tempDir('interrupt');

const count = (dir: string): number =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.jpg')).length : 0;

test('Ctrl-C in data synth: "interrupted", exit 130, the images written so far complete', async () => {
  const out = path.join(tmp, 'synth');
  const run = startCli(['data', 'synth', '--out', out, '--images', '20000', '--seed', '3']);
  const poll = setInterval(() => count(out) >= 5 && run.interrupt(), 50);
  const r = await run.done.finally(() => clearInterval(poll));
  expect(r.signal).toBeNull(); // before: killed by SIGINT, code null, stderr empty
  expect(r.code).toBe(130);
  expect(r.stderr.trim()).toBe('resdet: interrupted (Ctrl-C); the files written so far are complete');
  expect(count(out)).toBeGreaterThanOrEqual(5);
  expect(count(out)).toBeLessThan(20000);
});
