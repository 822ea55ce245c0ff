/**
 * The transfer comparison in markdown: `transferTable` (table.md: metrics per variant, mean and min–max over
 * seeds, and the pretraining runs) and `transferMarkdown` (the section bench/REPRODUCTION.md shows: setup,
 * tables, the paper's numbers beside ours, and whether the claim holds at this budget, with the evidence).
 * Every number comes from results.json.
 */
import { TRANSFER_VARIANTS } from './transfer_variants';
import { TransferResults } from './transfer_results';
import { transferVerdict } from './transfer_verdict';
import { summarise, Summary, TransferMetric } from './transfer_summary';

const METRICS: Array<[TransferMetric, string]> = [
  ['voc07_map50', 'VOC07 mAP@0.5'],
  ['coco_ap', 'COCO AP'],
  ['coco_ap50', 'AP50'],
  ['coco_ap_small', 'AP small'],
  ['coco_ap_medium', 'AP medium'],
  ['coco_ap_large', 'AP large'],
];

function cell(s: Summary | null): string {
  if (!s) return '–';
  return s.n > 1 ? `${s.mean.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)})` : s.mean.toFixed(3);
}

export function transferTable(results: TransferResults): string {
  const variants = TRANSFER_VARIANTS.filter((v) => results.runs.some((r) => r.name === v));
  const seeds = (v: string) => results.runs.filter((r) => r.name === v).map((r) => r.seed);
  const minutes = (v: string) => results.runs.filter((r) => r.name === v).reduce((s, r) => s + r.seconds, 0) / Math.max(1, seeds(v).length) / 60;
  const lines = [
    `Detectors (${results.setup.iterations} iterations of ${results.setup.imsPerBatch} canvases, width x${results.setup.width}), evaluated on ${results.setup.testCanvases} test canvases: mean over seeds (min–max).`,
    '',
    `| variant | seeds | ${METRICS.map(([, t]) => t).join(' | ')} | minutes per run |`,
    `|---|---|${METRICS.map(() => '---').join('|')}|---|`,
    ...variants.map((v) => `| ${v} | ${seeds(v).join(', ')} | ${METRICS.map(([m]) => cell(summarise(results, v, m))).join(' | ')} | ${minutes(v).toFixed(1)} |`),
    '',
  ];
  if (results.pretraining.length) {
    lines.push(
      `Pretraining (Fashion-MNIST classification at ${results.setup.pretrainImageSize}x${results.setup.pretrainImageSize}, ${results.setup.pretrainEpochs} epochs of ${results.setup.pretrainImages} images):`,
      '',
      '| backbone | test top-1 | test images | minutes |',
      '|---|---|---|---|',
      ...results.pretraining.map((p) => `| ${p.arch} | ${p.top1.toFixed(4)} | ${p.testImages} | ${(p.seconds / 60).toFixed(1)} |`),
      '',
    );
  }
  return lines.join('\n');
}

/** The transfer section of bench/REPRODUCTION.md; `figure` is the PNG's path relative to that file. */
export function transferMarkdown(results: TransferResults, figure = 'reproduction/transfer.png'): string {
  return [
    '## 2. The detection transfer gain: better pretrained backbones give better detectors (§4.3, Tables 7 and 8)',
    '',
    `**The paper.** The same Faster R-CNN gains 3.2 points of VOC07 mAP (VGG-16 73.2 → ResNet-101 76.4, VOC 07+12 training) ` +
      `and 28% relative COCO AP (mAP@[.5,.95] 21.2 → 27.2; mAP@.5 41.5 → 48.4) when its ImageNet-pretrained VGG-16 is replaced by an ` +
      `ImageNet-pretrained ResNet-101: the gain comes from better pretrained features.`,
    '',
    `**Here** (offline proxy): ImageNet-style backbones pretrained on Fashion-MNIST classification, then one Faster R-CNN recipe ` +
      `(\`${results.setup.detectorConfig}\`) trained on ${results.dataset}. Backend: ${results.backend}. ` +
      `Wall time of all runs: ${(results.seconds / 60).toFixed(1)} min. Commit \`${results.commit}\`.`,
    '',
    transferTable(results),
    `![VOC07 mAP and COCO AP per variant, bars: mean over seeds, points: seeds](${figure})`,
    '',
    `**Verdict.** ${transferVerdict(results)}`,
    '',
    'Commands:',
    '',
    '```bash',
    results.command,
    '# which runs, as ordinary commands:',
    ...results.pretraining.map((p) => p.command),
    ...results.runs.map((r) => r.command),
    '```',
    '',
  ].join('\n');
}
