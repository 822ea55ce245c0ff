/** `resdet reproduce report`: bench/REPRODUCTION.md from the claims' results.json files (reproduce/report.ts). */
import { Command } from 'commander';
import { action } from '../errors';
import { writeReport } from '../../reproduce/report';

export function reproduceReportCommand(): Command {
  return new Command('report')
    .description('write bench/REPRODUCTION.md (tables, figures, verdicts) from the reproductions\' results.json files')
    .option('--degradation <path>', 'results.json of `reproduce degradation`, or its folder', 'runs/repro-deg')
    .option('--transfer <path>', 'results.json of `reproduce transfer`, or its folder (missing: "not run yet")', 'runs/repro-transfer')
    .option('--longer <paths>', 'comma-separated results.json files (or folders) of the degradation recipe at longer budgets, shown as what was tried; sweeps of the same budget (e.g. seeds run into separate folders) are read as one', (v: string) => v.split(',').filter(Boolean))
    .option('--out <file>', 'the markdown file (figures and results go to reproduction/ beside it)', 'bench/REPRODUCTION.md')
    .action(
      action(async (f: { degradation: string; transfer: string; longer?: string[]; out: string }) => {
        const r = await writeReport({ ...f, command: ['resdet', ...process.argv.slice(2)].join(' ') });
        process.stdout.write(`wrote ${r.file} (figures and results in ${r.assets})\n`);
      }),
    );
}
