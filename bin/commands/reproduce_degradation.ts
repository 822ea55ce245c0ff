/** `resdet reproduce degradation`: the degradation sweep (paper §4.2, Fig. 6); the work is in reproduce/degradation.ts. */
import { Command } from 'commander';
import { action, intFlag, numFlag, UsageError } from '../errors';
import { runDegradation } from '../../reproduce/degradation';
import { DEGRADATION_DATASETS, DEGRADATION_NETS, DegradationDataset, parseNets, parseSeeds } from '../../reproduce/degradation_plan';
import { degradationTableMarkdown, degradationVerdicts } from '../../reproduce/degradation_table';
import { backendOption } from '../backend_option';

/** 587 iterations per run: the default 12-run sweep on Fashion-MNIST in about 86 minutes on native, 2 shared cores (cost model fitted to a measured sweep; bench/RESULTS.md). */
export const DEFAULT_EPOCHS = 1.25;

interface Flags {
  out: string;
  dataset: string;
  data?: string;
  nets: string;
  seeds?: string;
  epochs: number;
  limit?: number;
  testLimit?: number;
  curvePoints?: number;
  backend?: string;
  quiet?: boolean;
}

export function reproduceDegradationCommand(): Command {
  return new Command('degradation')
    .description('train plain and residual CIFAR nets with one recipe; results.json, fig6.png, table.md (paper Fig. 6, Table 6)')
    .option('--out <dir>', 'sweep folder (one run folder per net and seed)', 'runs/repro-deg')
    .option('--dataset <name>', DEGRADATION_DATASETS.join(' | '), 'fashion-mnist')
    .option('--data <dir>', 'dataset folder (cifar10: the binary batches; fashion-mnist: default Debian\'s)')
    .option('--nets <list>', 'comma-separated nets', DEGRADATION_NETS.join(','))
    .option('--seeds <list>', 'seeds for every net (default: 0,1 for the 20- and 56-layer nets, 0 for the others)')
    .option('--epochs <n>', `epochs per run (the paper: 64k iterations = 182 epochs of its 45k-image split; 164 epochs of the 50k training batches)`, numFlag('--epochs'), DEFAULT_EPOCHS)
    .option('--limit <n>', 'first N training images (quick looks)', intFlag('--limit'))
    .option('--test-limit <n>', 'first N test images', intFlag('--test-limit'))
    .option('--curve-points <n>', 'test evaluations per run for the curves', intFlag('--curve-points'))
    .addOption(backendOption())
    .option('--quiet', 'no progress bars')
    .action(
      action(async (f: Flags) => {
        if (!(DEGRADATION_DATASETS as readonly string[]).includes(f.dataset)) {
          throw new UsageError(`--dataset: unknown dataset '${f.dataset}' (${DEGRADATION_DATASETS.join(' or ')})`);
        }
        if (!(f.epochs > 0)) throw new UsageError(`--epochs must be positive, got ${f.epochs}`);
        const out = await runDegradation({
          out: f.out,
          dataset: f.dataset as DegradationDataset,
          data: f.data,
          nets: parseNets(f.nets),
          seeds: f.seeds === undefined ? undefined : parseSeeds(f.seeds),
          epochs: f.epochs,
          limit: f.limit,
          testLimit: f.testLimit,
          curvePoints: f.curvePoints,
          backend: f.backend ?? process.env.RESDET_BACKEND ?? 'auto',
          quiet: f.quiet,
          command: ['resdet', ...process.argv.slice(2)].join(' '),
        });
        const lines = [
          degradationTableMarkdown(out.results),
          '',
          ...degradationVerdicts(out.results).map((v) => v.sentence),
          '',
          `trained ${out.trained.length} runs, kept ${out.skipped.length} finished ones; ${out.results.wall_seconds} s of training`,
          `wrote ${out.files.results}, ${out.files.table}, ${out.files.figure}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }),
    );
}
