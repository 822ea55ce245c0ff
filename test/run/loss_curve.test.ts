/**
 * The loss plot (run/loss_curve.ts): the chart's data holds the training loss, its running mean over 10 steps and,
 * when the log has `val` records, the validation loss (drawn as dots joined by a line, named in the legend); the
 * PNG is written with the validation colour only when there is a validation loss.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { lossCurveSpec, lossPoints, LossRow, writeLossCurve } from '../../run/loss_curve';
import { tempDir } from '../helpers/temp_dir';

const train = Array.from({ length: 20 }, (_, i) => ({ type: 'train', step: i + 1, loss: 2 - 0.05 * i }));
const val = [{ type: 'val', step: 10, loss: 1.5, images: 50 }, { type: 'val', step: 20, loss: 1 }];
const records = [{ type: 'start', step: 0 }, ...train, ...val];

interface Spec {
  data: { values: LossRow[] };
  encoding: { color: { scale: { domain: string[] } } };
  layer: Array<{ mark: { type: string }; transform?: Array<{ filter: { equal: string } }> }>;
}
const specOf = (v: typeof val) => lossCurveSpec('t', lossPoints(records, 'train'), lossPoints(v, 'val')) as unknown as Spec;
const series = (spec: Spec, name: string) => spec.data.values.filter((r) => r.series === name).map((r) => [r.step, r.loss]);

/** How many pixels of the PNG are the validation colour #26a (34, 102, 170), give or take antialiasing. */
async function valPixels(png: string): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels) if (Math.abs(data[i] - 34) + Math.abs(data[i + 1] - 102) + Math.abs(data[i + 2] - 170) < 30) n++;
  return n;
}

test('the spec holds every training step and its running mean over 10 steps', () => {
  const spec = specOf(val);
  expect(series(spec, 'training loss per step')).toEqual(train.map((r) => [r.step, r.loss]));
  // loss_i = 2 − 0.05·i falls linearly: the mean of steps max(0, i−9)…i is the loss at their middle index
  const mean = series(spec, 'running mean of 10 steps');
  expect(mean.map(([s]) => s)).toEqual(train.map((r) => r.step));
  mean.forEach(([, m], i) => expect(m).toBeCloseTo(2 - 0.05 * ((Math.max(0, i - 9) + i) / 2), 10));
});

test('val records become validation points joined by a line, named in the legend; none without them', () => {
  expect(lossPoints(records, 'val')).toEqual([{ step: 10, loss: 1.5 }, { step: 20, loss: 1 }]);
  const withVal = specOf(val);
  expect(series(withVal, 'validation loss')).toEqual([[10, 1.5], [20, 1]]);
  expect(withVal.encoding.color.scale.domain).toEqual(['training loss per step', 'running mean of 10 steps', 'validation loss']);
  expect(withVal.layer.map((l) => [l.mark.type, l.transform?.[0].filter.equal])).toEqual([['line', undefined], ['point', 'validation loss']]);
  const plain = specOf([]);
  expect(series(plain, 'validation loss')).toEqual([]);
  expect(plain.encoding.color.scale.domain).toEqual(['training loss per step', 'running mean of 10 steps']);
});

test('the PNG shows the validation curve only when the log has val records, with nothing on stderr', async () => {
  const warn = jest.spyOn(console, 'warn');
  const dir = tempDir('loss-curve');
  const withVal = path.join(dir, 'with.jsonl');
  const without = path.join(dir, 'without.jsonl');
  fs.writeFileSync(withVal, [...train, ...val].map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(without, train.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeLossCurve(withVal, path.join(dir, 'with.png'));
  await writeLossCurve(without, path.join(dir, 'without.png'));
  for (const f of ['with.png', 'without.png']) {
    const m = await sharp(path.join(dir, f)).metadata();
    // a 560 x 240 plot with axes, title and legend, at 144 dpi
    expect([m.format, m.width! > 1150 && m.width! < 1450, m.height! > 550 && m.height! < 750]).toEqual(['png', true, true]);
  }
  expect(await valPixels(path.join(dir, 'with.png'))).toBeGreaterThan(100);
  expect(await valPixels(path.join(dir, 'without.png'))).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(['with.jsonl', 'with.png', 'without.jsonl', 'without.png']);
  expect(warn).not.toHaveBeenCalled();
});
