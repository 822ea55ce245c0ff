/** `resdet reproduce …`: the paper's claims, reproduced (one subcommand per claim, plus the report). */
import { Command } from 'commander';
import { reproduceDegradationCommand } from './reproduce_degradation';
import { reproduceReportCommand } from './reproduce_report';

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("reproduce the paper's claims on real data: degradation (Fig. 6), the report (bench/REPRODUCTION.md)")
    .addCommand(reproduceDegradationCommand())
    .addCommand(reproduceReportCommand());
}
