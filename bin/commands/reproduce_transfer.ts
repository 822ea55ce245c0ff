/** `resdet reproduce transfer`: the paper's detection transfer gain on Fashion-MNIST (reproduce/transfer.ts). */
import { Command, Option } from 'commander';
import { action, collect, intFlag, numFlag, UsageError } from '../errors';
import { runTransfer } from '../../reproduce/transfer';
import { checkWidth, parseSeeds, parseVariants, TRANSFER_VARIANTS } from '../../reproduce/transfer_variants';
import { transferTable } from '../../reproduce/transfer_report';
import { backendOption } from '../backend_option';

interface Flags {
  out: string;
  seeds: string;
  width: string;
  variants: string;
  data?: string;
  pretrainEpochs: number;
  pretrainImages?: number;
  iters: number;
  images: number;
  testImages: number;
  set: string[];
  backend?: string;
  quiet?: boolean;
}

export function reproduceTransferCommand(): Command {
  return new Command('transfer')
    .description('pretrain ResNet-18/34 and plain-18 on Fashion-MNIST, train one Faster R-CNN recipe from each (and ResNet-18 from scratch) on Fashion-MNIST composites; results.json, table.md, transfer.png')
    .option('--out <dir>', 'folder of the runs and results', 'runs/repro-transfer')
    .option('--seeds <list>', 'detector seeds', '0,1')
    .option('--width <x>', 'backbone width multiplier: 0.25 or 0.5', '0.25')
    .option('--variants <list>', `which detectors (${TRANSFER_VARIANTS.join(',')})`, TRANSFER_VARIANTS.join(','))
    .option('--data <dir>', 'Fashion-MNIST folder (default: the Debian package path)')
    .option('--pretrain-epochs <n>', 'pretraining epochs (same for every backbone)', numFlag('--pretrain-epochs'), 2)
    .option('--pretrain-images <n>', 'pretrain on the first N Fashion-MNIST training images (default: all 60,000)', intFlag('--pretrain-images'))
    .option('--iters <n>', 'detector training iterations (same for every variant)', intFlag('--iters'), 1500)
    .option('--images <n>', 'training canvases', intFlag('--images'), 2000)
    .option('--test-images <n>', 'test canvases', intFlag('--test-images'), 300)
    .option('--set <key=value>', 'override a detector config key for every variant (repeatable)', collect, [])
    .addOption(backendOption())
    .option('--quiet', 'no progress bars')
    .action(
      action(async (f: Flags) => {
        if (!(f.pretrainEpochs > 0)) throw new UsageError(`--pretrain-epochs must be positive, got ${f.pretrainEpochs}`);
        const results = await runTransfer({
          out: f.out,
          seeds: parseSeeds(f.seeds),
          width: checkWidth(Number(f.width)),
          variants: parseVariants(f.variants),
          dataDir: f.data ?? null,
          pretrainEpochs: f.pretrainEpochs,
          pretrainImages: f.pretrainImages ?? null,
          iters: f.iters,
          trainCanvases: f.images,
          testCanvases: f.testImages,
          sets: f.set,
          backend: f.backend,
          quiet: f.quiet,
          command: ['resdet', ...process.argv.slice(2)].join(' '),
        });
        process.stdout.write(transferTable(results) + `\nresults: ${f.out}/results.json  table: ${f.out}/table.md  figure: ${f.out}/transfer.png\n`);
      }),
    );
}
