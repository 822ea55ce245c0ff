/**
 * `resdet export --weights RUN_OR_FILE --format onnx --out model.onnx [--opset 17]`: a checkpoint as a model file
 * that runs without resdet — classifiers (the ResNet family) and detectors (C4, FPN: the image-to-detections
 * graph); the checkpoint's kind picks the exporter (export/export_checkpoint.ts).
 * `--format web --out DIR`: a detector as a web page that runs it in the browser (export/web/), with the
 * command that serves it.
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
import { writeWebExport } from '../../export/web/export_web';
import { OnnxExportError } from '../../export/onnx/export_error';

/** An --opset value: an integer (its range is checked against the graph, which knows what it needs). */
export function opsetFlag(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`--opset must be an integer, got '${v}'`);
  return n;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('export a checkpoint to run without resdet: ONNX (classifiers, detectors), or a web page running a detector in the browser')
    .requiredOption('--weights <path>', required('a resdet checkpoint or run folder (its latest checkpoint), or torchvision weights with --arch'))
    .addOption(new Option('--format <name>', required('output format')).choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <path>', required('the model file to write (model.onnx), or the folder of the web page (--format web)'))
    .option('--opset <n>', `ONNX opset (${MIN_OPSET}-${MAX_OPSET})`, opsetFlag, DEFAULT_OPSET)
    .option('--arch <name>', 'architecture of torchvision weights (a resdet checkpoint names its own)')
    .addOption(backendOption())
    .action(
      action(async (f: { weights: string; format: string; out: string; opset: number; arch?: string; backend?: string }) => {
        if (f.arch) archSpec(f.arch);
        await initBackend(f.backend);
        const exported = await exportCheckpoint(f.weights, { arch: f.arch, opset: f.opset });
        if (f.format === 'web') {
          if (exported.kind !== 'detector') throw new OnnxExportError(`${f.weights}: --format web shows detectors, and this is a ${exported.kind} (${exported.summary})`);
          await writeWebExport(exported.bytes, f.out, f.weights);
          process.stdout.write(`${exported.summary} → web page in ${f.out} (ONNX opset ${f.opset}, ONNX Runtime Web)\n`);
          process.stdout.write(`serve it and open http://localhost:8080/ : resdet serve ${f.out}   (or: npx http-server ${f.out} -p 8080)\n`);
          return;
        }
        await fs.promises.mkdir(path.dirname(path.resolve(f.out)), { recursive: true });
        await atomicWrite(f.out, [exported.bytes]);
        const mb = (exported.bytes.length / 1e6).toFixed(1);
        process.stdout.write(`${exported.summary} → ${f.out} (ONNX opset ${f.opset}, ${mb} MB)\n`);
      }),
    );
}
