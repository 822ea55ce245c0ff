/** The resdet command tree: every command from bin/commands/, assembled; bin/resdet.ts runs it. */
import { reportCommand } from './commands/report';
import { Command } from 'commander';
import { classifyCommand } from './commands/classify';
import { weightsCommand } from './commands/weights';
import { demoCommand } from './commands/demo';
import { dataCommand } from './commands/data';
import { trainCommand } from './commands/train';
import { predictCommand } from './commands/predict';
import { finetuneCommand } from './commands/finetune';
import { evalCommand } from './commands/eval';
import { doctorCommand } from './commands/doctor';
import { benchCommand } from './commands/bench';
import { reproduceCommand } from './commands/reproduce';
import { exportCommand } from './commands/export';
import { launchCommand } from './commands/launch';
import { refusedInJob } from './job';
import { beforeFailing } from '../engine/distributed/world';
import { serveCommand } from './commands/serve';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { version } = require('../../package.json');

export function resdetProgram(): Command {
  const program = new Command('resdet')
    .description('Object detection on deep residual networks: ResNet backbones, Faster R-CNN, VOC/COCO, on TensorFlow.js')
    .version(version)
    .showHelpAfterError();

  program.addCommand(classifyCommand());
  program.addCommand(weightsCommand());
  program.addCommand(demoCommand());
  program.addCommand(dataCommand());
  program.addCommand(evalCommand());
  program.addCommand(trainCommand());
  program.addCommand(predictCommand());
  program.addCommand(finetuneCommand());
  program.addCommand(doctorCommand());
  program.addCommand(benchCommand());
  program.addCommand(reproduceCommand());
  program.addCommand(reportCommand());
  program.addCommand(exportCommand());
  program.addCommand(serveCommand());
  program.addCommand(launchCommand());

  // in a job of several processes (resdet launch, mpirun), only the commands that share their work run
  program.hook('preAction', async (_program, cmd) => {
    const why = refusedInJob(cmd);
    if (!why) return;
    await beforeFailing(); // every process meets it: rank 0 says it
    process.stderr.write(`resdet: error: ${why}\n`);
    process.exit(2);
  });

  // usage errors (unknown option, invalid flag value, missing argument) exit 2 from every command, as user errors do
  // (commands added with addCommand do not inherit the root's exit handling)
  const exitTwo = (c: Command): void => {
    c.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
    c.commands.forEach(exitTwo);
  };
  exitTwo(program);
  return program;
}
