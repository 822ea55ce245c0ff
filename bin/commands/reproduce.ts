/** `resdet reproduce <claim>`: the paper's claims, reproduced with one command each. */
import { Command } from 'commander';
import { reproduceTransferCommand } from './reproduce_transfer';

export function reproduceCommand(): Command {
  return new Command('reproduce').description("reproduce the paper's claims (transfer: better pretrained backbones give better detectors)").addCommand(reproduceTransferCommand());
}
