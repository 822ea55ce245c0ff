/**
 * What the processes of a job other than rank 0 print: nothing on stdout (rank 0 prints the results), and on
 * stderr only their errors, marked with their rank — progress, notes and summaries would repeat rank 0's N
 * times over. Rank 0 is untouched.
 */
import { World } from '../engine/distributed/world';

const ERROR_LINE = /^resdet: (error|internal error): /;

export function quietOtherRanks(world: World): void {
  if (world.rank === 0) return;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    if (!ERROR_LINE.test(text)) return true;
    return write(text.replace(/^resdet: /, `resdet: rank ${world.rank}: `), ...(rest as []));
  }) as typeof process.stderr.write;
}
