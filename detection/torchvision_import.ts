/**
 * `weights import --arch <torchvision detector>`: a torchvision detector's state dict (.pth or .safetensors,
 * any key style the descriptor knows) checked against the builder and written as a resdet detector run folder
 * (checkpoint `step-0000000.*`, `last_checkpoint`, `config.yaml`) that predict, eval model, finetune and
 * loadDetector accept. The number of classes comes from the box predictor; 91 (torchvision's COCO) gets the
 * COCO class list so that labels are COCO category ids. Every problem names the file: another architecture,
 * another torchvision builder, missing, unexpected and mis-shaped keys (with PyTorch's shapes).
 */
import * as path from 'path';
import * as YAML from 'yaml';
import { readWeightsFile } from '../engine/weights_file';
import { toFloat32 } from '../engine/host_tensor';
import { fromTorchLayout, PlainTensor, torchShape } from '../engine/torch_layout';
import { CheckpointError, saveCheckpoint } from '../run/checkpoint';
import { atomicWrite } from '../engine/atomic_write';
import { deepMerge } from '../run/config';
import { ClassMap, classMapFromNames } from '../datasets/detection/record';
import { torchvisionCocoClassMap } from '../datasets/detection/coco_category_names';
import { DETECTOR_DEFAULTS, DetectorConfig } from './config';
import { buildDetectorModel } from './modeling/detector_model';
import { TORCHVISION_DETECTORS, TorchvisionDetectorSpec } from './torchvision_detectors';

export interface ImportedDetector {
  checkpoint: string;
  numClasses: number;
  tensors: number;
  parameters: number;
}

/** What a state dict that is not this builder's looks like, for the message. */
function notThisBuilder(file: string, spec: TorchvisionDetectorSpec, keys: string[]): CheckpointError | null {
  for (const f of spec.foreign) {
    const k = keys.find((x) => f.key.test(x));
    if (k) return new CheckpointError(`${file}: a ${f.arch} state dict (${f.why}), not ${spec.arch}; import it with --arch ${f.arch}`);
  }
  for (const other of TORCHVISION_DETECTORS) {
    if (other !== spec && keys.includes(other.signature) && !keys.includes(spec.signature)) {
      return new CheckpointError(`${file}: a ${other.arch} state dict (${other.signature}), not ${spec.arch}; import it with --arch ${other.arch}`);
    }
  }
  if (!keys.some((k) => k.startsWith('rpn.')) || !keys.some((k) => k.startsWith('roi_heads.'))) {
    const classifier = keys.includes('fc.weight') && keys.some((k) => k.startsWith('layer1.'));
    const what = classifier ? 'an ImageNet classifier (fc.weight, layer1.*): import it with --arch resnet50 (or its architecture)' : `its keys start ${[...new Set(keys.map((k) => k.split('.')[0]))].slice(0, 5).join(', ')}`;
    return new CheckpointError(`${file}: not a ${spec.arch} state dict (no rpn.* / roi_heads.* keys); ${what}`);
  }
  return null;
}

/** The file's tensors under resdet's names (resdet layouts), with the file's own key for each. */
async function readRenamed(file: string, spec: TorchvisionDetectorSpec): Promise<{ values: Map<string, PlainTensor>; fileKey: Map<string, string> }> {
  const raw = await readWeightsFile(file);
  const problem = notThisBuilder(file, spec, [...raw.keys()].map((k) => spec.toResdet(k) ?? k));
  if (problem) throw problem;
  const values = new Map<string, PlainTensor>();
  const fileKey = new Map<string, string>();
  for (const [key, t] of raw) {
    const name = spec.toResdet(key);
    if (name === null) continue;
    if (values.has(name)) throw new CheckpointError(`${file}: ${key} and ${fileKey.get(name)} are the same parameter in two key styles`);
    values.set(name, fromTorchLayout({ shape: t.shape, data: toFloat32(t) }));
    fileKey.set(name, key);
  }
  return { values, fileKey };
}

/** Missing, unexpected and mis-shaped keys against the builder, in PyTorch's names and shapes; null if none. */
function keyProblems(spec: TorchvisionDetectorSpec, own: Map<string, { shape: number[] }>, values: Map<string, PlainTensor>, fileKey: Map<string, string>): string | null {
  const show = (shape: number[]) => `[${torchShape(shape).join(', ')}]`;
  const missing = [...own.keys()].filter((k) => !values.has(k)).map((k) => `${spec.toTorchvision(k)} ${show(own.get(k)!.shape)}`);
  const unexpected = [...values.keys()].filter((k) => !own.has(k)).map((k) => `${fileKey.get(k)} ${show(values.get(k)!.shape)}`);
  const misshaped = [...values.keys()]
    .filter((k) => own.has(k) && own.get(k)!.shape.join() !== values.get(k)!.shape.join())
    .map((k) => `${fileKey.get(k)}: file ${show(values.get(k)!.shape)}, ${spec.arch} ${show(own.get(k)!.shape)}`);
  const parts: string[] = [];
  if (missing.length) parts.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
  if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
  if (misshaped.length) parts.push(`mis-shaped keys (${misshaped.length}, shapes as PyTorch stores them): ${misshaped.join('; ')}`);
  return parts.length ? parts.join('\n  ') : null;
}

function classMap(file: string, numClasses: number, names?: string[]): ClassMap {
  if (names) {
    if (names.length !== numClasses) throw new CheckpointError(`${file}: the box predictor has ${numClasses} classes besides the background, --classes names ${names.length}`);
    return classMapFromNames(names);
  }
  if (numClasses === 90) return torchvisionCocoClassMap();
  return classMapFromNames(Array.from({ length: numClasses }, (_, i) => `class_${i + 1}`));
}

/**
 * Imports `file` as `spec`'s builder into the run folder `outDir`. `classNames`: names of the classes
 * (torchvision's labels 1…K) when the file is not a 91-class COCO detector.
 */
export async function importTorchvisionDetector(spec: TorchvisionDetectorSpec, file: string, outDir: string, classNames?: string[]): Promise<ImportedDetector> {
  const { values, fileKey } = await readRenamed(file, spec);
  const cls = values.get('roi_heads.box_predictor.cls_score.weight');
  if (!cls) throw new CheckpointError(`${file}: missing keys (1): roi_heads.box_predictor.cls_score.weight (its rows give the number of classes)`);
  const numClasses = cls.shape[1] - 1; // resdet layout [in, out]
  if (numClasses < 1) throw new CheckpointError(`${file}: roi_heads.box_predictor.cls_score.weight has ${cls.shape[1]} rows; a detector needs the background and at least one class`);
  const config = deepMerge(DETECTOR_DEFAULTS, spec.config) as DetectorConfig;
  const model = buildDetectorModel(config.model, numClasses);
  try {
    const problems = keyProblems(spec, model.stateDict(), values, fileKey);
    if (problems) throw new CheckpointError(`${file}: weights do not fit ${spec.arch} (${numClasses + 1} classes with the background):\n  ${problems}`);
    model.loadStateDict(values, { source: file, torchLayout: true });
    const classes = classMap(file, numClasses, classNames);
    const meta = { kind: 'detector', step: 0, classes, config, source: path.resolve(file), torchvision: spec.arch };
    const checkpoint = await saveCheckpoint(outDir, 'step-0000000', model, meta);
    await atomicWrite(path.join(outDir, 'config.yaml'), [Buffer.from(YAML.stringify(config))]);
    return { checkpoint, numClasses, tensors: model.stateDict().size, parameters: model.numParameters() };
  } finally {
    model.dispose();
  }
}
