#!/usr/bin/env node
/** The resdet command line: the command tree of bin/program.ts, run on the process's arguments. */
import { resdetProgram } from './program';

// a reader that goes away (`resdet … | head -1`) is not an error: stop quietly, as Unix tools do
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

resdetProgram().parseAsync(process.argv);
