/**
 * mpirun's own messages as `resdet launch` shows them: Open MPI frames each of them in lines of dashes, over
 * several lines. When a process of the job has said what went wrong (a resdet error line, an interruption),
 * mpirun's framed aftermath ("MPI_ABORT was invoked…", "Primary job terminated…") is dropped; otherwise — a
 * process killed by a signal, a launch that failed — each message becomes one line, `resdet: mpirun: …`. An
 * "MPI_ABORT was invoked" message is held until the end of the output: mpirun writes it itself while the
 * aborting process's error line may still be on its way through mpirun's forwarding, so it can come first.
 * Open MPI's internal traces of a peer that went away, and its note on forwarding a signal, are dropped.
 * Everything else (the processes' own output) passes through unchanged.
 */

const RULE = /^-{20,}$/;
const RESDET_FAILURE = /^resdet: (rank \d+: )?(error|internal error|interrupted)/;
/** mpirun's preamble to the message that names the failing process: it adds nothing to it */
const PREAMBLE = /^Primary job\s+terminated normally/;
/** the aftermath of a process that called MPI_Abort (resdet does when it exits with an error) */
const ABORT = /^MPI_ABORT was invoked/;
/**
 * Open MPI's internal traces when a peer is gone (after an abort, a transfer cut by a killed process), and its
 * note that it forwarded the SIGUSR2 of `resdet launch`'s Ctrl-C (which resdet said already)
 */
const TRACE = /^\[[^\]\s]+:\d+\] (.*ORTE_ERROR_LOG|Read -1, expected)|^mpirun: Forwarding signal \d+ to job$/;

export class MpirunStderr {
  private block: string[] | null = null;
  private failureSaid = false;
  private abortMessages: string[] = [];
  private partial = '';

  constructor(private readonly out: (line: string) => void) {}

  /** Feeds a chunk of mpirun's stderr. */
  write(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const l of lines) this.line(l);
  }

  /** The end of mpirun's stderr: what is left is shown as it is. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    for (const l of this.block ?? []) this.out(l);
    this.block = null;
    if (!this.failureSaid) for (const m of this.abortMessages) this.out(m);
    this.abortMessages = [];
  }

  private line(l: string): void {
    if (RULE.test(l.trim())) {
      if (this.block) this.flush();
      else this.block = [];
      return;
    }
    if (this.block) return void this.block.push(l);
    if (RESDET_FAILURE.test(l)) this.failureSaid = true;
    else if (TRACE.test(l)) return;
    this.out(l);
  }

  private flush(): void {
    const text = (this.block ?? []).map((s) => s.trim()).filter(Boolean).join(' ');
    this.block = null;
    if (!text || this.failureSaid || PREAMBLE.test(text)) return;
    if (ABORT.test(text)) this.abortMessages.push(`resdet: mpirun: ${text}`);
    else this.out(`resdet: mpirun: ${text}`);
  }
}
