/**
 * transfer.png: one panel per metric (VOC07 mAP@0.5, COCO AP), a bar per variant at its mean over seeds and a
 * point per seed. A vega-lite 5 spec, rendered to PNG by run/chart.ts.
 */
import { TRANSFER_VARIANTS } from './transfer_variants';
import { TransferResults } from './transfer_results';
import { writeChartPng } from '../run/chart';

export function transferFigureSpec(results: TransferResults): object {
  const values = results.runs.flatMap((r) => [
    { variant: r.name, seed: r.seed, metric: 'VOC07 mAP@0.5', value: r.final.voc07_map50 },
    { variant: r.name, seed: r.seed, metric: 'COCO AP@[.5:.95]', value: r.final.coco_ap },
  ]);
  const order = TRANSFER_VARIANTS.filter((v) => results.runs.some((r) => r.name === v));
  const x = { field: 'variant', type: 'nominal', sort: order, title: null, axis: { labelAngle: -30 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Detection transfer on Fashion-MNIST composites (width x${results.setup.width}, ${results.setup.iterations} iterations)`,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['VOC07 mAP@0.5', 'COCO AP@[.5:.95]'] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 240,
      layer: [
        { mark: { type: 'bar', opacity: 0.7 }, encoding: { x, y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'mean over seeds' }, color: { field: 'variant', type: 'nominal', sort: order, legend: null } } },
        { mark: { type: 'point', filled: true, color: 'black', size: 40 }, encoding: { x, y: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'seed' }] } },
      ],
    },
    config: { font: 'sans-serif', background: 'white' },
  };
}

export async function writeTransferFigure(results: TransferResults, pngFile: string): Promise<void> {
  await writeChartPng(transferFigureSpec(results), pngFile);
}
