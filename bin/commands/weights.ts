/** `resdet weights import`: torchvision .pth / .safetensors → a checked resdet .safetensors for an architecture. */
import { Command } from 'commander';
import { action } from '../errors';
import { initBackend } from '../../engine/backend';
import { buildResNet } from '../../backbone/resnet';
import { loadBackboneWeights } from '../../backbone/load_weights';
import { saveCheckpoint } from '../../engine/checkpoint';
import { imagenetClassNames } from '../../backbone/classifier/checkpoint';
import * as path from 'path';

export function weightsCommand(): Command {
  const cmd = new Command('weights').description('import pretrained weights');
  cmd
    .command('import')
    .description('check torchvision weights against an architecture and write them as a resdet checkpoint')
    .requiredOption('--arch <name>', 'architecture, e.g. resnet50')
    .requiredOption('--from <file>', 'torchvision .pth (torch.save) or .safetensors file')
    .requiredOption('--out <file>', 'output .safetensors (a .json with the metadata is written beside it)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'cpu')
    .action(
      action(async (f: { arch: string; from: string; out: string; backend: string }) => {
        await initBackend(f.backend);
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
      }),
    );
  return cmd;
}
