/**
 * Stops a child process a test started and waits until it has exited and its output pipes have closed (SIGTERM,
 * then SIGKILL after `graceMs`): a child that is only signalled keeps its handles — and jest's worker — alive after
 * the test file ends ("A worker process has failed to exit gracefully").
 */
import type { ChildProcess } from 'child_process';

export async function stopChild(child: ChildProcess | null, graceMs = 5000): Promise<void> {
  if (!child) return;
  const running = child.exitCode === null && child.signalCode === null;
  const pipes = [child.stdout, child.stderr].filter((s) => s && !s.destroyed);
  if (!running && pipes.length === 0) return;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  pipes.forEach((s) => s!.resume()); // unread output would hold a pipe open
  const timer = running ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
  if (running) child.kill('SIGTERM');
  await closed;
  clearTimeout(timer);
}
