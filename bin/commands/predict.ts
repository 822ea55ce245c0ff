/**
 * `resdet predict --weights CKPT IMAGES_OR_DIR... --out DIR [--engine onnxruntime]`: detections as a COCO results file
 * (`DIR/detections.json`, original-image pixels, image ids, file names) and the images with labelled boxes drawn
 * (datasets/detection/drawn_paths.ts: never over an input, unique names). Unreadable images are skipped and said
 * (datasets/detection/skipped_images.ts); none readable is an error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { action, collect, numFlag, UsageError } from '../errors';
import { initBackend } from '../../engine/backend';
import { atomicWrite } from '../../engine/atomic_write';
import { DETECTOR_ENGINES, DetectorEngine, loadDetector, ObjectDetector } from '../../detection/detector';
import { opsetFlag } from './export';
import { ImageDetections, toCocoResults } from '../../detection/inference';
import { gatherDetections } from '../../detection/sharded_detection';
import { processWorld, World } from '../../engine/distributed/world';
import { shardOf } from '../../engine/distributed/shard';
import { drawBoxes } from '../../datasets/detection/draw';
import { drawnPaths } from '../../datasets/detection/drawn_paths';
import { SkippedImages, skippedNote } from '../../datasets/detection/skipped_images';
import { cocoImageIds } from '../../datasets/detection/coco_image_ids';
import { IMAGE_EXTENSIONS } from '../../datasets/classification/image_folder';
import { backendOption } from '../backend_option';
import { required } from '../required';

interface Flags {
  weights: string;
  out: string;
  scoreThresh: number;
  draw: boolean;
  set: string[];
  cocoIds?: string;
  backend?: string;
  quiet?: boolean;
  engine?: DetectorEngine;
  opset?: number;
}

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
  return [...new Set(files.map((f) => path.resolve(f)))];
}

/** Image ids: the COCO file's, or 1..N in input order. */
function imageIds(files: string[], cocoIds?: string): Map<string, number> {
  if (!cocoIds) return new Map(files.map((f, i) => [f, i + 1]));
  const lookup = cocoImageIds(cocoIds);
  return new Map(files.map((f) => {
    const id = lookup(f);
    if (id === undefined) throw new UsageError(`${f}: not among the images of ${cocoIds} (no file_name ends its path)`);
    return [f, id];
  }));
}

function aboveThreshold(d: ImageDetections, thresh: number): ImageDetections {
  const keep = Array.from(d.scores.keys()).filter((k) => d.scores[k] >= thresh);
  return {
    ...d,
    boxes: Float64Array.from(keep.flatMap((k) => Array.from(d.boxes.subarray(4 * k, 4 * k + 4)))),
    scores: Float32Array.from(keep, (k) => d.scores[k]),
    labels: Int32Array.from(keep, (k) => d.labels[k]),
  };
}

/** What a process needs to detect and draw its share of the images. */
interface Share {
  files: string[];
  ids: Map<string, number>;
  drawnOf: Map<string, string>;
  skipped: SkippedImages;
}

/**
 * This process's share of the files (all of them when it runs alone; engine/distributed/shard.ts) detected, with
 * the detections above the threshold and their image ids, and drawn unless --no-draw.
 */
async function detectShare(world: World, detector: ObjectDetector, share: Share, f: Flags): Promise<ImageDetections[]> {
  const mine = shardOf(share.files, world);
  const found = await detector.detectFiles(mine, { quiet: f.quiet || world.rank !== 0, skipped: share.skipped });
  const dets = found.map((d) => ({ ...aboveThreshold(d, f.scoreThresh), imageId: share.ids.get(d.file)! }));
  if (f.draw) {
    for (const d of dets) {
      const objects = Array.from(d.scores, (s, k) => ({ box: d.boxes.subarray(4 * k, 4 * k + 4), label: d.labels[k], note: s.toFixed(2) }));
      await drawBoxes(d.file, objects, detector.classes.names, share.drawnOf.get(d.file)!);
    }
  }
  return dets;
}

/**
 * Every process's detections, in the files' order, on rank 0 (null elsewhere); the images the others could not
 * read are added to rank 0's `skipped`, which says them.
 */
function gatherShares(world: World, dets: ImageDetections[], share: Share, skipped: SkippedImages): ImageDetections[] | null {
  if (world.size === 1) return dets;
  const position = new Map(share.files.map((file, i) => [file, i]));
  const gathered = gatherDetections(world, dets, share.skipped.list, (d) => position.get(d.file)!);
  if (!gathered) return null;
  for (const s of gathered.skipped) skipped.add(s.file, s.reason);
  return gathered.detections;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('detect objects in images with a trained detector')
    .argument('<images...>', 'image files or folders')
    .requiredOption('--weights <path>', required('detector checkpoint or run folder (its latest checkpoint)'))
    .option('--out <dir>', 'output folder', 'runs/predict')
    .option('--score-thresh <x>', 'keep detections scoring at least this', numFlag('--score-thresh'), 0.5)
    .option('--no-draw', 'do not write images with boxes drawn')
    .option('--coco-ids <file>', "COCO instances file (or COCO dataset folder) whose image ids to use, matched by file_name (default: 1..N in input order)")
    .option('--set <key=value>', "override a key of the checkpoint's config, e.g. model.roiHeads.nmsThresh=0.6 (repeatable)", collect, [])
    .addOption(new Option('--engine <name>', 'tfjs, or onnxruntime: the checkpoint exported to ONNX (cached next to it) on ONNX Runtime (default: onnxruntime for a .onnx file, else tfjs)').choices([...DETECTOR_ENGINES]))
    .option('--opset <n>', 'ONNX opset of the on-the-fly export (--engine onnxruntime)', opsetFlag)
    .addOption(backendOption())
    .option('--quiet', 'no progress output')
    .action(
      action(async (inputs: string[], f: Flags) => {
        const files = expandInputs(inputs);
        const drawn = f.draw ? drawnPaths(files, f.out) : [];
        const ids = imageIds(files, f.cocoIds);
        const engine = f.engine ?? (/\.onnx$/i.test(f.weights) ? 'onnxruntime' : 'tfjs');
        // the tfjs backend loads the checkpoint (tfjs engine, or an export to make); a .onnx file needs none
        if (!/\.onnx$/i.test(f.weights)) await initBackend(f.backend);
        const note = (m: string) => void (f.quiet || process.stderr.write(`${m}\n`));
        const detector = await loadDetector(f.weights, { sets: f.set, engine, opset: f.opset, onNote: note });
        // in a job of several processes (resdet launch), each detects and draws its share, rank 0 writes the results
        const world = processWorld();
        const skipped = new SkippedImages();
        const share: Share = { files, ids, drawnOf: new Map(files.map((file, i) => [file, drawn[i]])), skipped: world.size === 1 ? skipped : new SkippedImages(null) };
        const dets = gatherShares(world, await detectShare(world, detector, share, f), share, skipped);
        if (!dets) return detector.dispose();
        skipped.requireSome(dets.length, inputs.join(' '));
        fs.mkdirSync(f.out, { recursive: true });
        const results = toCocoResults(dets, detector.classes).map((r) => ({ ...r, file_name: path.relative(process.cwd(), r.file_name ?? '') }));
        await atomicWrite(path.join(f.out, 'detections.json'), [Buffer.from(JSON.stringify(results, null, 1) + '\n')]);
        for (const d of dets) process.stdout.write(`${path.relative(process.cwd(), d.file)}: ${d.scores.length} detection(s)\n`);
        process.stdout.write(`${dets.length} image(s), ${results.length} detection(s)${skipped.count ? `, ${skippedNote(skipped.count)}` : ''}\n`);
        process.stdout.write(`detections: ${path.join(f.out, 'detections.json')}\n`);
        detector.dispose();
      }),
    );
}
