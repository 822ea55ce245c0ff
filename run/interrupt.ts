/** A long run stopped by the user (Ctrl-C) after saving a checkpoint; the CLI exits 130 and says how to resume. */
export class InterruptedError extends Error {}
