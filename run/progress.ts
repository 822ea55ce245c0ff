/**
 * Progress of long work: a bar with ETA and the current figures (loss, lr, img/s) on a terminal; on a
 * pipe or in CI, a plain line every few seconds. Writes to stderr so stdout stays parseable.
 */
import * as cliProgress from 'cli-progress';

export type Figures = Record<string, number | string>;

function fmt(figures: Figures): string {
  return Object.entries(figures)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(3)) : v}`)
    .join('  ');
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private readonly start = Date.now();
  private startValue = 0;

  constructor(readonly label: string, readonly total: number, readonly quiet = false, initial = 0) {
    this.startValue = initial;
    if (quiet) return;
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {value}/{total} | ETA {eta_formatted} | {figures}`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, initial, { figures: '' });
    }
  }

  update(value: number, figures: Figures = {}): void {
    if (this.quiet) return;
    if (this.bar) {
      this.bar.update(value, { figures: fmt(figures) });
      return;
    }
    const now = Date.now();
    if (now - this.lastLine < 5000 && value < this.total) return;
    this.lastLine = now;
    const done = value - this.startValue;
    const rate = done / Math.max((now - this.start) / 1000, 1e-3);
    const eta = rate > 0 ? Math.round((this.total - value) / rate) : 0;
    process.stderr.write(`${this.label} ${value}/${this.total}  ETA ${eta}s  ${fmt(figures)}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
