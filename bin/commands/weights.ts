/**
 * `resdet weights import`: torchvision .pth / .safetensors → a checked resdet checkpoint: an ImageNet
 * classifier (`--arch resnet50`: one .safetensors) or a torchvision detector (`--arch fasterrcnn_resnet50_fpn`:
 * a run folder). `resdet weights export`: a resdet detector → its torchvision builder's state dict.
 */
import { Command, Option } from 'commander';
import { action, UsageError } from '../errors';
import { initBackend } from '../../engine/backend';
import { buildResNet } from '../../backbone/resnet';
import { loadBackboneWeights } from '../../backbone/load_weights';
import { saveCheckpoint } from '../../run/checkpoint';
import { imagenetClassNames } from '../../backbone/classifier/checkpoint';
import { TORCHVISION_DETECTORS, torchvisionDetector } from '../../detection/torchvision_detectors';
import { importTorchvisionDetector } from '../../detection/torchvision_import';
import { exportTorchvisionDetector } from '../../detection/torchvision_export';
import * as path from 'path';
import { backendOption } from '../backend_option';
import { required } from '../required';
import { classesOption } from '../class_list';

async function importClassifier(f: { arch: string; from: string; out: string }): Promise<void> {
  const model = buildResNet(f.arch);
  await loadBackboneWeights(model, f.from);
  const dir = path.dirname(path.resolve(f.out));
  const tag = path.basename(f.out).replace(/\.safetensors$/, '');
  const info = {
    arch: f.arch,
    options: model.options,
    classNames: imagenetClassNames(),
    imageShape: null,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  };
  const written = await saveCheckpoint(dir, tag, model, { kind: 'classifier', step: 0, classifier: info, source: f.from });
  process.stdout.write(`${f.arch}: ${model.namedParameters().length} parameter tensors, ${model.numParameters()} parameters → ${written}\n`);
  model.dispose();
}

export function weightsCommand(): Command {
  const cmd = new Command('weights').description('import pretrained weights, export detectors to torchvision');
  cmd
    .command('import')
    .description('check torchvision weights against an architecture and write them as a resdet checkpoint')
    .requiredOption('--arch <name>', required(`architecture: a ResNet (e.g. resnet50) or a torchvision detector (${TORCHVISION_DETECTORS.map((s) => s.arch).join(', ')})`))
    .requiredOption('--from <file>', required('torchvision .pth (torch.save) or .safetensors file'))
    .requiredOption('--out <path>', required('ResNet: output .safetensors (a .json with the metadata beside it); detector: a run folder'))
    .addOption(classesOption('detector: class names of labels 1…K, comma-separated (default: COCO for 91 classes)'))
    .addOption(backendOption())
    .action(
      action(async (f: { arch: string; from: string; out: string; classes?: string[]; backend?: string }) => {
        await initBackend(f.backend);
        const spec = torchvisionDetector(f.arch);
        if (!spec) return importClassifier(f);
        const r = await importTorchvisionDetector(spec, f.from, f.out, f.classes);
        process.stdout.write(`${f.arch}: ${r.numClasses} classes + background, ${r.tensors} tensors, ${r.parameters} parameters → ${r.checkpoint}\n`);
      }),
    );
  cmd
    .command('export')
    .description("write a resdet detector as its torchvision builder's state dict (load_state_dict(strict=True))")
    .requiredOption('--weights <path>', required('detector run folder or checkpoint'))
    .addOption(new Option('--format <fmt>', 'output format').choices(['pth', 'safetensors']))
    .requiredOption('--out <file>', required('output file'))
    .action(
      action(async (f: { weights: string; format?: 'pth' | 'safetensors'; out: string }) => {
        const format = f.format ?? (f.out.endsWith('.safetensors') ? 'safetensors' : f.out.endsWith('.pth') || f.out.endsWith('.pt') ? 'pth' : null);
        if (!format) throw new UsageError(`--out ${f.out}: say --format pth or --format safetensors (or end the name in .pth / .safetensors)`);
        const r = await exportTorchvisionDetector(f.weights, format, f.out);
        process.stdout.write(`${r.arch}: ${r.tensors} tensors → ${f.out}; load with torchvision.models.detection.${r.arch}(weights=None, weights_backbone=None, num_classes=${r.numClasses})\n`);
      }),
    );
  return cmd;
}
