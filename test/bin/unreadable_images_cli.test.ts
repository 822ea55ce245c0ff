/** Training on a dataset whose images are all unreadable stops at once with one message and exit 2 (it used to loop forever). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-unreadable-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('resdet train: every image a zero-byte file → "no readable image", exit 2, a bounded log', () => {
  const data = path.join(tmp, 'data');
  expect(runCli(['data', 'synth', '--out', data, '--images', '6', '--seed', '1']).code).toBe(0);
  for (const f of fs.readdirSync(path.join(data, 'train'))) fs.writeFileSync(path.join(data, 'train', f), '');
  const out = path.join(tmp, 'run');
  const r = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet',
    '--set', `data.train.path=${data}`, '--set', `data.test.path=${data}`, '--set', 'data.test.split=train']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no readable image \(6 image\(s\) skipped, e\.g\. .*train_\d+\.jpg: cannot decode/);
  expect(r.stderr).not.toMatch(/internal error/);
  const skippedLines = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.includes('skipped_image'));
  expect(skippedLines).toHaveLength(6);
});
