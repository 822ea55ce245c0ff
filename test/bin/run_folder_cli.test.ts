/** `resdet train` into a folder that already holds a run: refused without --resume/--force; --force keeps the old run aside. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-run-folder-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('train twice into one folder', () => {
  const data = path.join(tmp, 'data');
  expect(runCli(['data', 'synth', '--out', data, '--images', '2', '--seed', '5']).code).toBe(0);
  const out = path.join(tmp, 'run');
  const args = ['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', out, '--quiet', '--set', `data.train.path=${data}`,
    '--set', `data.test.path=${data}`, '--set', 'data.test.split=train', '--set', 'solver.maxIters=2', '--set', 'solver.imsPerBatch=2'];
  expect(runCli(args).code).toBe(0);
  const log = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8');
  fs.writeFileSync(path.join(out, `step-0000002.json.tmp-999999999`), 'left by a killed writer');

  const again = runCli(args);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/already holds a run .*--resume.*--force/);
  expect(fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8')).toBe(log);

  const forced = runCli([...args, '--force']);
  expect(forced.code).toBe(0);
  expect(forced.stderr).toMatch(/removed 1 temporary file/);
  expect(forced.stderr).toMatch(/starting over \(--force\)/);
  const previous = fs.readdirSync(out).filter((f) => f.startsWith('previous-'));
  expect(previous).toHaveLength(1);
  expect(fs.readFileSync(path.join(out, previous[0], 'log.jsonl'), 'utf8')).toBe(log);
  const fresh = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(fresh.filter((r) => r.type === 'train').map((r) => r.step)).toEqual([1, 2]);
});
