/**
 * Options shared by many commands are defined once and say the same thing everywhere: every --backend lists
 * every backend (native included) and has no default of its own ($RESDET_BACKEND, then auto — `weights import`
 * used to default to cpu); every required option says "(required)" in the help, and only those; `data check`
 * takes --classes like `finetune` (one parser: bin/class_list.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command, Option } from 'commander';
import { runCli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { BACKEND_NAMES } from '../../engine/backend';

// the built command tree (dist/ is rebuilt before the tests), as `resdet` assembles it
const { resdetProgram } = require(path.join(ROOT, 'dist', 'bin', 'program.js')) as { resdetProgram: () => Command };

/** Every command of the tree with its full name ('resdet data check'), depth first. */
function commands(c: Command, prefix = ''): Array<{ name: string; cmd: Command }> {
  const name = `${prefix}${c.name()}`;
  return [{ name, cmd: c }, ...c.commands.flatMap((s) => commands(s, `${name} `))];
}
const ALL = commands(resdetProgram());
const options = (pred: (o: Option) => boolean) =>
  ALL.flatMap(({ name, cmd }) => cmd.options.filter(pred).map((o) => ({ name, o })));

test('every --backend lists every backend, native included, and has no default of its own', () => {
  const backends = options((o) => o.long === '--backend');
  expect(backends.map((b) => b.name)).toEqual(expect.arrayContaining([
    'resdet train', 'resdet predict', 'resdet finetune', 'resdet eval model', 'resdet weights import', 'resdet demo',
    'resdet classify train', 'resdet classify eval', 'resdet classify predict', 'resdet classify demo',
  ]));
  expect(BACKEND_NAMES).toContain('native');
  for (const { name, o } of backends) {
    expect({ name, description: o.description }).toEqual({ name, description: `${BACKEND_NAMES.join(' | ')} (default: $RESDET_BACKEND or auto)` });
    expect({ name, default: o.defaultValue }).toEqual({ name, default: undefined });
  }
});

test('required options, and only they, say "(required)"', () => {
  const mandatory = options((o) => o.mandatory);
  expect(mandatory.length).toBeGreaterThanOrEqual(20);
  for (const { name, o } of mandatory) expect(`${name} ${o.long}: ${o.description}`).toMatch(/ \(required\)$/);
  const marked = options((o) => / \(required\)$/.test(o.description));
  expect(marked.map(({ name, o }) => `${name} ${o.long}`).sort()).toEqual(mandatory.map(({ name, o }) => `${name} ${o.long}`).sort());
});

test('help text: data synth marks --out and --images required; weights import lists native and defaults to auto', () => {
  const synth = runCli(['data', 'synth', '--help']);
  expect(synth.code).toBe(0);
  const flat = synth.stdout.replace(/\s+/g, ' ');
  expect(flat).toContain('--out <dir> output folder (required)');
  expect(flat).toContain('--images <n> number of images (required)');
  const weights = runCli(['weights', 'import', '--help']).stdout.replace(/\s+/g, ' ');
  expect(weights).toContain('--backend <name> auto | tensorflow | native | wasm | cpu (default: $RESDET_BACKEND or auto)');
  expect(weights).not.toContain('"cpu"');
  for (const cmd of [['train'], ['predict'], ['finetune'], ['eval', 'model'], ['classify', 'train'], ['classify', 'demo']]) {
    expect(runCli([...cmd, '--help']).stdout.replace(/\s+/g, ' ')).toContain('auto | tensorflow | native | wasm | cpu');
  }
});

describe('data check --classes', () => {
  const tmp = tempDir('cli-options');
  const yolo = path.join(tmp, 'yolo');

  beforeAll(() => {
    expect(runCli(['data', 'synth', '--out', path.join(tmp, 'coco'), '--images', '2', '--seed', '3', '--format', 'coco', '--split', 'train']).code).toBe(0);
    expect(runCli(['data', 'convert', path.join(tmp, 'coco'), '--split', 'train', '--to', 'yolo', '--out', yolo]).code).toBe(0);
    fs.rmSync(path.join(yolo, 'classes.txt')); // a YOLO folder without its class list
  });

  test('without it a YOLO folder with no class list is refused; with it the summary names the classes', () => {
    const bare = runCli(['data', 'check', yolo, '--no-decode']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/has no class list/);
    const r = runCli(['data', 'check', yolo, '--no-decode', '--classes', 'ring, box,tri,star']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 2 images, \d+ boxes, 4 classes/);
    const perClass = r.stdout.split('boxes per class:\n')[1].split('\n').slice(0, 4).map((l) => l.trim().split(/\s+/)[1]);
    expect(perClass).toEqual(['ring', 'box', 'tri', 'star']);
  });

  test.each([
    ['a name given twice', 'a,b,a', /class 'a' is given twice/],
    ['no name', ' , ', /give class names separated by commas/],
  ])('%s: exit 2, one message', (_what, classes, msg) => {
    const r = runCli(['data', 'check', yolo, '--no-decode', '--classes', classes]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});
