/**
 * Ctrl-C during a long run. `InterruptWatch` turns the first SIGINT into a flag the training loop checks between
 * steps (it then saves a checkpoint and stops) and into the rejection of whatever it is racing (the final
 * evaluation); a second Ctrl-C gets Node's default and ends the process at once (checkpoints are written
 * atomically, so the last complete one stays usable).
 */

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

  constructor() {
    process.on('SIGINT', this.onSigint);
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
    process.removeListener('SIGINT', this.onSigint);
  }
}
