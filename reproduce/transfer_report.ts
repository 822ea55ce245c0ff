/**
 * PLACEHOLDER until branch repro-transfer lands: the transfer section of bench/REPRODUCTION.md is written by
 * `transferMarkdown` of that branch (take theirs at merge). This one only lists the runs' final metrics so
 * that the report works with any valid transfer results.json.
 */
import { ReproductionResults } from './results';

export function transferMarkdown(r: ReproductionResults, opts: { figure?: string } = {}): string {
  const rows = r.runs.map((run) => `| ${run.name} | ${run.seed} | ${run.final.voc07_map50.toFixed(3)} | ${run.final.coco_ap.toFixed(3)} | ${run.final.coco_ap50.toFixed(3)} |`);
  return [
    `Dataset: ${r.dataset}. Command: \`${r.command ?? '(not recorded)'}\``,
    '',
    '| variant | seed | VOC07 mAP@0.5 | COCO AP | COCO AP50 |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    ...(opts.figure ? ['', `![transfer](${opts.figure})`] : []),
  ].join('\n');
}
