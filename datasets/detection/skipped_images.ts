/**
 * The one policy for images that cannot be read (zero-byte, truncated, not an image), in predict, eval model,
 * training and data show: the file is skipped, said once on the console (file and reason), counted once however
 * often it is met (epochs), and when nothing readable is left the command fails with "no readable images in …"
 * (a DatasetError: one line, exit 2).
 */
import { DatasetError } from '../classification/types';

export interface SkippedFile {
  file: string;
  reason: string;
}

export class SkippedImages {
  private readonly byFile = new Map<string, string>();

  /** `say` gets one line per newly skipped file (default: stderr); null says nothing. */
  constructor(private readonly say: ((line: string) => void) | null = (line) => process.stderr.write(line + '\n')) {}

  /** Records a skipped file; true the first time that file is met. `message` may name the file, it is dropped from the reason. */
  add(file: string, message: string): boolean {
    if (this.byFile.has(file)) return false;
    const reason = message.split(` ${file}`).join('').replace(/^: /, '');
    this.byFile.set(file, reason);
    this.say?.(`resdet: skipped ${file}: ${reason}`);
    return true;
  }

  has(file: string): boolean {
    return this.byFile.has(file);
  }

  /** Distinct files skipped. */
  get count(): number {
    return this.byFile.size;
  }

  get list(): SkippedFile[] {
    return [...this.byFile].map(([file, reason]) => ({ file, reason }));
  }

  /** The error when none of the images of `where` could be read. */
  noneReadable(where: string): DatasetError {
    const first = this.list[0];
    return new DatasetError(`no readable images in ${where} (${this.count} skipped${first ? `, e.g. ${first.file}: ${first.reason}` : ''})`);
  }

  /** Throws noneReadable unless some image was read. */
  requireSome(readable: number, where: string): void {
    if (readable === 0) throw this.noneReadable(where);
  }
}

/** The count for summaries: "2 unreadable image(s) skipped". */
export function skippedNote(count: number): string {
  return `${count} unreadable image(s) skipped`;
}
