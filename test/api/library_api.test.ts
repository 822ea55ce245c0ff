/**
 * The library as an npm user calls it: a folder whose node_modules/resdet is this package (package.json "main",
 * the built dist/), a script doing `require('resdet')`, `initBackend`, `loadDetector(runFolder)` and
 * `detector.detect(image)` on a detector the CLI trained here (4 steps, tiny). Its detections equal
 * `resdet predict`'s for the same checkpoint and image; a missing checkpoint rejects with one message.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/temp_dir';
import { SHAPE_CLASSES } from '../../datasets/detection/synth';

const tmp = tempDir('library-api');
const data = path.join(tmp, 'data');
const run = path.join(tmp, 'run');
const image = () => path.join(data, 'train', fs.readdirSync(path.join(data, 'train')).sort()[0]);

interface CocoDet { file_name: string; category_id: number; category_name: string; bbox: number[]; score: number }
interface ApiDet { box: number[]; score: number; label: number; className: string; categoryId: number }

/** Runs `script` with node from a folder where `require('resdet')` finds this package. */
function userScript(script: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  if (!fs.existsSync(path.join(app, 'node_modules', 'resdet'))) fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'resdet'), 'dir');
  fs.writeFileSync(path.join(app, 'main.js'), script);
  const r = spawnSync(process.execPath, [path.join(app, 'main.js'), ...args], { cwd: app, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const DETECT = `
const { initBackend, loadDetector } = require('resdet');
(async () => {
  await initBackend('wasm');
  const detector = await loadDetector(process.argv[2], { sets: ['model.roiHeads.scoreThresh=0'] });
  const detections = await detector.detect(process.argv[3]);
  console.log(JSON.stringify({ classes: detector.classes.names, detections }));
  detector.dispose();
})().catch((e) => { console.error(e.message); process.exit(3); });
`;

beforeAll(() => {
  expect(runCli(['data', 'synth', '--out', data, '--images', '2', '--seed', '4', '--format', 'coco', '--split', 'train']).code).toBe(0);
  const sets = [
    `data.train.path=${data}`, `data.test.path=${data}`, 'data.train.split=train', 'data.test.split=train',
    'data.shortSides=[96]', 'data.maxSize=128', 'data.testShortSide=96', 'model.widthMultiplier=0.125',
    'model.rpn.preNmsTopNTrain=200', 'model.rpn.postNmsTopNTrain=20', 'model.rpn.preNmsTopNTest=200', 'model.rpn.postNmsTopNTest=20',
    'model.roiHeads.batchSizePerImage=16', 'solver.imsPerBatch=2', 'solver.maxIters=4', 'checkpoint.period=4',
  ];
  const t = runCli(['train', path.join(ROOT, 'configs', 'demo.yaml'), '--out', run, '--quiet', ...sets.flatMap((s) => ['--set', s])]);
  expect(t.stderr).not.toMatch(/error/);
  expect(t.code).toBe(0);
});

test("require('resdet'): loadDetector + detect give resdet predict's detections", () => {
  const r = userScript(DETECT, [run, image()]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { classes, detections } = JSON.parse(r.stdout) as { classes: string[]; detections: ApiDet[] };
  expect(classes).toEqual(SHAPE_CLASSES);
  expect(detections.length).toBeGreaterThan(0);

  const out = path.join(tmp, 'pred');
  const p = runCli(['predict', '--weights', run, image(), '--out', out, '--score-thresh', '0', '--no-draw', '--quiet', '--set', 'model.roiHeads.scoreThresh=0']);
  expect(p.code).toBe(0);
  const cli = (JSON.parse(fs.readFileSync(path.join(out, 'detections.json'), 'utf8')) as CocoDet[]).sort((a, b) => b.score - a.score);
  expect(detections).toHaveLength(cli.length);
  detections.forEach((d, i) => {
    expect(d.categoryId).toBe(cli[i].category_id);
    expect(d.className).toBe(cli[i].category_name);
    expect(classes[d.label]).toBe(d.className);
    expect(d.score).toBeCloseTo(cli[i].score, 5);
    const [x, y, w, h] = cli[i].bbox;
    [x, y, x + w, y + h].forEach((v, k) => expect(d.box[k]).toBeCloseTo(v, 2));
  });
  for (let i = 1; i < detections.length; i++) expect(detections[i].score).toBeLessThanOrEqual(detections[i - 1].score);
});

test('loadDetector on a folder with no checkpoint rejects with one message naming it', () => {
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  const r = userScript(DETECT, [empty, image()]);
  expect(r.code).toBe(3);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(empty);
});
