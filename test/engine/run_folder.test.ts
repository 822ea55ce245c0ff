/** Opening a run folder: stale temp files and incomplete checkpoints removed, an existing run never silently reused. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { openRunFolder } from '../../run/run_folder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resdet-run-folder-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function folder(files: Record<string, string>): string {
  const dir = path.join(tmp, `run${n++}`);
  fs.mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;

test('an empty or new folder opens without notes', () => {
  expect(openRunFolder(path.join(tmp, 'new'), {})).toEqual([]);
  expect(openRunFolder(folder({ 'notes.txt': 'mine' }), {})).toEqual([]);
});

test('temp files of dead writers are removed, those of live ones kept', () => {
  const dir = folder({ [`step-0000010.json.tmp-${deadPid}`]: 'x', [`log.jsonl.tmp-${process.pid}`]: 'y' });
  const notes = openRunFolder(dir, {});
  expect(notes.join()).toMatch(/removed 1 temporary file/);
  expect(fs.readdirSync(dir).sort()).toEqual([`log.jsonl.tmp-${process.pid}`]);
});

test('checkpoint files without their .json are removed; complete ones and the run are kept on --resume', () => {
  const dir = folder({
    'step-0000010.safetensors': 'a', 'step-0000010.optim.safetensors': 'b', 'step-0000010.json': '{}',
    'step-0000020.safetensors': 'c', 'step-0000020.optim.safetensors': 'd', last_checkpoint: 'step-0000010\n', 'log.jsonl': '{}\n',
  });
  const notes = openRunFolder(dir, { resume: true });
  expect(notes).toEqual([expect.stringMatching(/incomplete checkpoint.*step-0000020/)]);
  expect(fs.readdirSync(dir).sort()).toEqual(['last_checkpoint', 'log.jsonl', 'step-0000010.json', 'step-0000010.optim.safetensors', 'step-0000010.safetensors']);
});

test('a folder holding a run: refused without --resume/--force; --force and an empty --resume move it aside', () => {
  const run = { 'step-0000010.safetensors': 'a', 'step-0000010.json': '{}', last_checkpoint: 'step-0000010\n', 'log.jsonl': '{"step":1}\n', 'config.yaml': 'x', 'mine.txt': 'keep' };
  const dir = folder(run);
  expect(() => openRunFolder(dir, {})).toThrow(/already holds a run .*--resume.*--force/);
  expect(fs.readdirSync(dir).length).toBe(6);
  const notes = openRunFolder(dir, { force: true });
  expect(notes).toEqual([expect.stringMatching(/starting over \(--force\): the earlier run's files are in .*previous-/)]);
  const moved = fs.readdirSync(dir).filter((f) => f.startsWith('previous-'));
  expect(moved).toHaveLength(1);
  expect(fs.readdirSync(dir).filter((f) => !f.startsWith('previous-'))).toEqual(['mine.txt']);
  expect(fs.readFileSync(path.join(dir, moved[0], 'log.jsonl'), 'utf8')).toBe('{"step":1}\n');

  const logOnly = folder({ 'log.jsonl': '{"step":3}\n' });
  expect(openRunFolder(logOnly, { resume: true })).toEqual([expect.stringMatching(/nothing to resume \(no checkpoint\)/)]);
  expect(fs.existsSync(path.join(logOnly, 'log.jsonl'))).toBe(false);
});
