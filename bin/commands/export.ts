/**
 * `resdet export --weights RUN_OR_FILE --format onnx --out model.onnx [--opset 17]`: a checkpoint as a model file
 * that runs without resdet. Classifiers so far (the ResNet family); the checkpoint's kind picks the exporter
 * (export/export_checkpoint.ts), so detectors and other formats slot in there.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { action } from '../errors';
import { initBackend } from '../../engine/backend';
import { atomicWrite } from '../../engine/atomic_write';
import { archSpec } from '../../backbone/archs';
import { EXPORT_FORMATS, exportCheckpoint } from '../../export/export_checkpoint';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../../export/onnx/opsets';
import { backendOption } from '../backend_option';
import { required } from '../required';

/** An --opset value: an integer (its range is checked against the graph, which knows what it needs). */
export function opsetFlag(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`--opset must be an integer, got '${v}'`);
  return n;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('export a checkpoint to run without resdet: ONNX (classifiers of the ResNet family)')
    .requiredOption('--weights <path>', required('a resdet checkpoint or run folder (its latest checkpoint), or torchvision weights with --arch'))
    .addOption(new Option('--format <name>', required('output format')).choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <file>', required('the model file to write, e.g. model.onnx'))
    .option('--opset <n>', `ONNX opset (${MIN_OPSET}-${MAX_OPSET})`, opsetFlag, DEFAULT_OPSET)
    .option('--arch <name>', 'architecture of torchvision weights (a resdet checkpoint names its own)')
    .addOption(backendOption())
    .action(
      action(async (f: { weights: string; format: string; out: string; opset: number; arch?: string; backend?: string }) => {
        if (f.arch) archSpec(f.arch);
        await initBackend(f.backend);
        const exported = await exportCheckpoint(f.weights, { arch: f.arch, opset: f.opset });
        await fs.promises.mkdir(path.dirname(path.resolve(f.out)), { recursive: true });
        await atomicWrite(f.out, [exported.bytes]);
        const mb = (exported.bytes.length / 1e6).toFixed(1);
        process.stdout.write(`${exported.summary} → ${f.out} (ONNX opset ${f.opset}, ${mb} MB)\n`);
      }),
    );
}
