/**
 * The loss plot (run/loss_curve.ts): the validation loss of a log's `val` records is drawn beside the training
 * loss — one dot per record at its step and loss, in the validation colour, with a legend — and a log without
 * them gives the training curve alone.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { lossCurveSvg, lossPoints, writeLossCurve } from '../../run/loss_curve';
import { tempDir } from '../helpers/temp_dir';

const train = Array.from({ length: 20 }, (_, i) => ({ type: 'train', step: i + 1, loss: 2 - 0.05 * i }));
const val = [{ type: 'val', step: 10, loss: 1.5, images: 50 }, { type: 'val', step: 20, loss: 1 }];

/** How many pixels of the PNG are the validation colour #26a (38, 102, 170), give or take antialiasing. */
async function valPixels(png: string): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels) if (Math.abs(data[i] - 38) + Math.abs(data[i + 1] - 102) + Math.abs(data[i + 2] - 170) < 30) n++;
  return n;
}

test('val records become dots at their step and loss, with a legend', () => {
  const records = [{ type: 'start', step: 0 }, ...train, ...val];
  expect(lossPoints(records, 'val')).toEqual([{ step: 10, loss: 1.5 }, { step: 20, loss: 1 }]);
  const svg = lossCurveSvg(lossPoints(records, 'train'), 't', 640, 320, lossPoints(records, 'val'));
  // x = 48 + 544·step/20, y = 320 − 48 − 224·loss/2
  const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  expect(dots).toEqual([[320, 104], [592, 160]]);
  expect(svg).toContain('>validation</text>');
  const plain = lossCurveSvg(lossPoints(records, 'train'), 't');
  expect(plain).not.toContain('<circle');
  expect(plain).not.toContain('validation');
});

test('the PNG shows the validation curve only when the log has val records', async () => {
  const dir = tempDir('loss-curve');
  const withVal = path.join(dir, 'with.jsonl');
  const without = path.join(dir, 'without.jsonl');
  fs.writeFileSync(withVal, [...train, ...val].map((r) => JSON.stringify(r)).join('\n') + '\n');
  fs.writeFileSync(without, train.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await writeLossCurve(withVal, path.join(dir, 'with.png'));
  await writeLossCurve(without, path.join(dir, 'without.png'));
  expect(await valPixels(path.join(dir, 'with.png'))).toBeGreaterThan(100);
  expect(await valPixels(path.join(dir, 'without.png'))).toBe(0);
  expect(fs.readdirSync(dir).sort()).toEqual(['with.jsonl', 'with.png', 'without.jsonl', 'without.png']);
});
