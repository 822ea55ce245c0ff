/**
 * Ctrl-C during a long run. `InterruptWatch` turns the first SIGINT into a flag the training loop checks between
 * steps (it then saves a checkpoint and stops) and into the rejection of whatever it is racing (the final
 * evaluation); a second Ctrl-C gets Node's default and ends the process at once (checkpoints are written
 * atomically, so the last complete one stays usable). In a job of several processes (resdet launch), SIGUSR2 is
 * Ctrl-C too: `resdet launch` turns the terminal's Ctrl-C into a SIGUSR2 that mpirun forwards to every process
 * (mpirun itself would end them all at once on SIGINT, before any checkpoint).
 */
import { launchedAs } from '../engine/distributed/launcher_env';

/** The signals that mean Ctrl-C: SIGINT, and in a job started by an MPI launcher SIGUSR2 (see above). */
export function interruptSignals(): NodeJS.Signals[] {
  return launchedAs() ? ['SIGINT', 'SIGUSR2'] : ['SIGINT'];
}

/** A long run stopped by the user (Ctrl-C) after saving a checkpoint; the CLI exits 130 and says how to resume. */
export class InterruptedError extends Error {}

/** One turn of the event loop: a loop that awaits only in-memory work never lets a signal handler run without it. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class InterruptWatch {
  interrupted = false;
  private waiters: Array<() => void> = [];
  private readonly onSigint = (): void => {
    this.interrupted = true;
    this.stop();
    for (const w of this.waiters.splice(0)) w();
  };

  private readonly signals = interruptSignals();

  constructor() {
    for (const s of this.signals) process.on(s, this.onSigint);
  }

  /** `work`'s outcome, or the error `onInterrupt` makes if Ctrl-C comes first (or came already). */
  race<T>(work: Promise<T>, onInterrupt: () => Error): Promise<T> {
    if (this.interrupted) {
      work.catch(() => undefined);
      return Promise.reject(onInterrupt());
    }
    return new Promise<T>((resolve, reject) => {
      this.waiters.push(() => reject(onInterrupt()));
      work.then(resolve, reject);
    });
  }

  /** Stops watching (Ctrl-C gets Node's default again). */
  stop(): void {
    for (const s of this.signals) process.removeListener(s, this.onSigint);
  }
}
