/** `resdet eval`: detection evaluation from files. Each subcommand lives in its own file (eval_<name>.ts). */
import { Command, CommanderError } from 'commander';
import { evalCocoCommand } from './eval_coco';
import { evalVocCommand } from './eval_voc';
import { evalModelCommand } from './eval_model';

export function evalCommand(): Command {
  const cmd = new Command('eval').description('evaluate detections against ground truth: COCO (pycocotools) or Pascal VOC (devkit)');
  cmd.addCommand(evalCocoCommand());
  cmd.addCommand(evalVocCommand());
  cmd.addCommand(evalModelCommand());
  // a bad or missing flag is a usage error: exit code 2 (added commands do not inherit the program's setting)
  const usageExit = (err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : 2);
  for (const c of [cmd, ...cmd.commands]) c.exitOverride(usageExit).showHelpAfterError();
  return cmd;
}
