/**
 * Detector config keys that reach nothing, and the one that was missing: `eval.metric` is set in no shipped
 * config (it chose nothing — evaluation always reports VOC07 mAP and COCO AP) but old configs and run folders
 * holding it still load; `data.photometric` turns on the photometric jitter in the training transforms only
 * (datasets/detection/pipeline/transforms.ts), off by default so that runs without it draw the same numbers.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { loadConfig, ConfigError } from '../../run/config';
import { DETECTOR_DEFAULTS, DETECTOR_SCHEMA, DetectorConfig } from '../../detection/config';
import { testTransforms, trainTransforms } from '../../detection/transforms';
import { planImage, TransformOptions } from '../../datasets/detection/pipeline/transforms';
import { Rng } from '../../engine/rng';
import { tempDir } from '../helpers/temp_dir';

const CONFIGS = path.join(__dirname, '..', '..', 'configs');
const DETECTOR_CONFIGS = fs.readdirSync(CONFIGS).filter((f) => /^(faster_rcnn_.*|demo)\.yaml$/.test(f));
const load = (opts: { file?: string; sets?: string[] }) => loadConfig<DetectorConfig>({ defaults: DETECTOR_DEFAULTS, schema: DETECTOR_SCHEMA, ...opts });
const images = Array.from({ length: 8 }, (_, i) => ({ width: 300 + i, height: 200 }));
/** The per-image plans a training epoch draws, in order (planImages does the same over dataset records). */
const planImages = (opts: TransformOptions, rng: Rng) => images.map((r) => planImage(r, opts, rng));

describe('eval.metric', () => {
  test('no shipped detector config sets it, and every one loads without it', () => {
    expect(DETECTOR_CONFIGS.length).toBeGreaterThanOrEqual(6);
    for (const f of DETECTOR_CONFIGS) {
      const raw = YAML.parse(fs.readFileSync(path.join(CONFIGS, f), 'utf8'));
      expect({ f, metric: raw.eval?.metric }).toEqual({ f, metric: undefined });
      expect('metric' in load({ file: path.join(CONFIGS, f) }).eval).toBe(false);
    }
  });

  test('an old config that sets it still loads (no effect); a value outside the old choices is refused', () => {
    const dir = tempDir('eval-metric');
    const old = path.join(dir, 'old.yaml');
    fs.writeFileSync(old, 'eval: { metric: voc07, period: 500 }\n');
    expect(load({ file: old }).eval).toMatchObject({ period: 500, limit: null });
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'eval: { metric: map }\n');
    expect(() => load({ file: bad })).toThrow(ConfigError);
  });
});

describe('data.photometric', () => {
  test('off by default: no jitter in the training transforms, and no jitter factors drawn', () => {
    const cfg = load({});
    expect(cfg.data.photometric).toEqual({ brightness: 0, contrast: 0, saturation: 0 });
    expect(trainTransforms(cfg).jitter).toBeUndefined();
    expect(planImages(trainTransforms(cfg), new Rng(1)).every((p) => p.jitter === undefined)).toBe(true);
  });

  test('set from the command line, it reaches the training transforms and their per-image draws, not the test ones', () => {
    const cfg = load({ sets: ['data.photometric.brightness=0.4', 'data.photometric.contrast=0.2', 'data.photometric.saturation=0.1'] });
    expect(trainTransforms(cfg).jitter).toEqual({ brightness: 0.4, contrast: 0.2, saturation: 0.1 });
    expect(testTransforms(cfg).jitter).toBeUndefined();
    const plans = planImages(trainTransforms(cfg), new Rng(3));
    for (const p of plans) {
      expect(Math.abs(p.jitter!.brightness - 1)).toBeLessThanOrEqual(0.4);
      expect(Math.abs(p.jitter!.contrast - 1)).toBeLessThanOrEqual(0.2);
      expect(Math.abs(p.jitter!.saturation - 1)).toBeLessThanOrEqual(0.1);
    }
    expect(new Set(plans.map((p) => p.jitter!.brightness)).size).toBe(images.length);
    // one factor alone turns it on; the others stay at 1
    const one = planImages(trainTransforms(load({ sets: ['data.photometric.brightness=0.3'] })), new Rng(3));
    expect(one.every((p) => p.jitter!.contrast === 1 && p.jitter!.saturation === 1)).toBe(true);
  });

  test('from a YAML file; a factor above 1 is refused naming the key', () => {
    const dir = tempDir('photometric');
    const file = path.join(dir, 'jitter.yaml');
    fs.writeFileSync(file, 'data:\n  photometric: { brightness: 0.2, contrast: 0.2, saturation: 0.2 }\n');
    expect(trainTransforms(load({ file })).jitter).toEqual({ brightness: 0.2, contrast: 0.2, saturation: 0.2 });
    expect(() => load({ sets: ['data.photometric.contrast=1.5'] })).toThrow(/config key 'data\.photometric\.contrast' must be <= 1/);
  });
});
