/**
 * `resdet predict --weights CKPT IMAGES_OR_DIR... --out DIR`: detections as a COCO results file
 * (`DIR/detections.json`, original-image pixels, with file names) and the images with labelled boxes drawn.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command } from 'commander';
import { action, collect, numFlag, UsageError } from '../errors';
import { initBackend } from '../../engine/backend';
import { atomicWrite } from '../../engine/atomic_write';
import { loadDetector } from '../../detection/detector';
import { toCocoResults } from '../../detection/inference';
import { drawBoxes } from '../../datasets/detection/draw';
import { IMAGE_EXTENSIONS } from '../../datasets/classification/image_folder';
import { backendOption } from '../backend_option';
import { required } from '../required';

function expandInputs(inputs: string[]): string[] {
  const files: string[] = [];
  for (const p of inputs) {
    if (!fs.existsSync(p)) throw new UsageError(`${p}: no such image or folder`);
    if (fs.statSync(p).isDirectory()) {
      const found = fs.readdirSync(p).filter((f) => IMAGE_EXTENSIONS.includes(path.extname(f).toLowerCase())).sort();
      if (!found.length) throw new UsageError(`${p}: folder holds no image (${IMAGE_EXTENSIONS.join(' ')})`);
      files.push(...found.map((f) => path.join(p, f)));
    } else files.push(p);
  }
  return files;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('detect objects in images with a trained detector')
    .argument('<images...>', 'image files or folders')
    .requiredOption('--weights <path>', required('detector checkpoint or run folder (its latest checkpoint)'))
    .option('--out <dir>', 'output folder', 'runs/predict')
    .option('--score-thresh <x>', 'keep detections scoring at least this', numFlag('--score-thresh'), 0.5)
    .option('--no-draw', 'do not write images with boxes drawn')
    .option('--set <key=value>', "override a key of the checkpoint's config, e.g. model.roiHeads.nmsThresh=0.6 (repeatable)", collect, [])
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (inputs: string[], f: { weights: string; out: string; scoreThresh: number; draw: boolean; set: string[]; backend?: string; quiet?: boolean }) => {
        const files = expandInputs(inputs);
        await initBackend(f.backend);
        const detector = await loadDetector(f.weights, { sets: f.set });
        const dets = await detector.detectFiles(files, { quiet: f.quiet });
        for (const d of dets) {
          const keep = Array.from(d.scores.keys()).filter((k) => d.scores[k] >= f.scoreThresh);
          d.boxes = Float64Array.from(keep.flatMap((k) => Array.from(d.boxes.subarray(4 * k, 4 * k + 4))));
          d.scores = Float32Array.from(keep, (k) => d.scores[k]);
          d.labels = Int32Array.from(keep, (k) => d.labels[k]);
        }
        fs.mkdirSync(f.out, { recursive: true });
        const results = toCocoResults(dets, detector.classes).map(({ image_id: _id, ...r }) => ({ ...r, file_name: path.relative(process.cwd(), r.file_name ?? '') }));
        await atomicWrite(path.join(f.out, 'detections.json'), [Buffer.from(JSON.stringify(results, null, 1) + '\n')]);
        if (f.draw) {
          for (const d of dets) {
            const objects = Array.from(d.scores, (s, k) => ({ box: d.boxes.subarray(4 * k, 4 * k + 4), label: d.labels[k], note: s.toFixed(2) }));
            await drawBoxes(d.file, objects, detector.classes.names, path.join(f.out, path.basename(d.file).replace(/\.[^.]+$/, '') + '.jpg'));
          }
        }
        for (const d of dets) process.stdout.write(`${path.basename(d.file)}: ${d.scores.length} detection(s)\n`);
        process.stdout.write(`detections: ${path.join(f.out, 'detections.json')}\n`);
        detector.dispose();
      }),
    );
}
