/** A JSON-lines log: one object per line, appended and flushed as it is written (machine-readable). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DiskFullError, isDiskFull } from '../engine/atomic_write';

export class JsonlLog {
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  write(record: Record<string, unknown>): void {
    try {
      fs.appendFileSync(this.file, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
    } catch (e) {
      throw isDiskFull(e) ? new DiskFullError(this.file) : e;
    }
  }

  /** Drops records of `types` whose `step` is beyond `step` (used when a run resumes from a checkpoint). */
  truncateAfter(step: number, types: string | string[] = 'train'): void {
    const drop = new Set(Array.isArray(types) ? types : [types]);
    if (!fs.existsSync(this.file)) return;
    const keep = fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .filter((l) => {
        try {
          const r = JSON.parse(l);
          return !(drop.has(r.type) && typeof r.step === 'number' && r.step > step);
        } catch {
          return false;
        }
      });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, keep.map((l) => l + '\n').join(''));
    fs.renameSync(tmp, this.file);
  }

  static read(file: string): Array<Record<string, unknown>> {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }
}

/** A log that keeps nothing: the other processes of a data-parallel job (rank 0 alone writes the run's log). */
export class NullLog extends JsonlLog {
  constructor() {
    super(os.devNull);
  }

  write(): void {}

  truncateAfter(): void {}
}
