/** `resdet reproduce …`: the paper's claims, reproduced with one command each, plus the report. */
import { Command } from 'commander';
import { reproduceDegradationCommand } from './reproduce_degradation';
import { reproduceReportCommand } from './reproduce_report';
import { reproduceTransferCommand } from './reproduce_transfer';

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("reproduce the paper's claims on real data: degradation (Fig. 6), transfer (better pretrained backbones give better detectors), the report (bench/REPRODUCTION.md)")
    .addCommand(reproduceDegradationCommand())
    .addCommand(reproduceTransferCommand())
    .addCommand(reproduceReportCommand());
}
