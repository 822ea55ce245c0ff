#!/usr/bin/env node
/** The resdet command line: the command tree of bin/program.ts, run on the process's arguments. */
import { resdetProgram } from './program';
import { joinJob } from './job';
import { DistributedError } from '../engine/distributed/world';
import { interruptSignals } from '../run/interrupt';
import { allowHelperThreadLowering } from '../engine/helper_thread_priority';

// a reader that goes away (`resdet … | head -1`) is not an error: stop quietly, as Unix tools do
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

// Ctrl-C where no long run watches for it (a training run saves a checkpoint first: run/interrupt.ts): one line and
// exit 130 instead of dying by the signal with nothing said. Files are written whole or not at all (atomic writes),
// so what was written stays usable; the sweeps of `reproduce` keep their finished runs.
// In a job of several processes, SIGUSR2 is Ctrl-C too (run/interrupt.ts).
for (const signal of interruptSignals()) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return; // a run's own watch handles it
    process.stderr.write('resdet: interrupted (Ctrl-C); the files written so far are complete\n');
    process.exit(130);
  });
}

// this process is resdet's alone: while it trains on native, its helper threads yield to the kernels' threads
allowHelperThreadLowering();

// a process started by an MPI launcher joins its job first (data-parallel training, sharded evaluation)
try {
  joinJob();
} catch (e) {
  if (!(e instanceof DistributedError)) throw e;
  process.stderr.write(`resdet: error: ${e.message}\n`);
  process.exit(2);
}

resdetProgram().parseAsync(process.argv);
