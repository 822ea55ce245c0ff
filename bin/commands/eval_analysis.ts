/** `--analysis FILE`, `--plots DIR` and `--score-threshold S` of `resdet eval coco` and `resdet eval voc`. */
import { Command } from 'commander';
import { checkOutputDir, checkOutputFile, writeJson } from './eval_action';
import { numFlag, UsageError } from '../errors';
import { analyzeCoco } from '../../eval/analysis/coco_analysis';
import { vocPrCurves } from '../../eval/analysis/pr_curves';
import { cocoPlotSets, vocPlotSets, writeAnalysisPlots } from '../../eval/analysis/write_plots';
import { CocoDetections, CocoGroundTruth } from '../../eval/coco/coco_types';
import { VocDetection, VocEvalOptions, VocGroundTruth } from '../../eval/voc/voc_types';

export interface AnalysisFlags {
  analysis?: string;
  plots?: string;
  scoreThreshold?: number;
}

export function withAnalysisFlags(cmd: Command, confusion: boolean): Command {
  cmd
    .option('--analysis <file>', confusion ? 'write PR curves, AP by size, confusion matrix and error breakdown as JSON here' : 'write the per-class PR curves as JSON here')
    .option('--plots <dir>', confusion ? 'write PR curves per class and the confusion matrix as PNG files here' : 'write the PR curve of each class as a PNG file here');
  if (confusion) cmd.option('--score-threshold <s>', 'score threshold of the confusion matrix (default 0.5)', numFlag('--score-threshold'));
  return cmd;
}

function say(f: AnalysisFlags, plots: string[]): void {
  if (f.analysis) process.stdout.write(`analysis: ${f.analysis}\n`);
  if (f.plots) process.stdout.write(`plots: ${plots.length} PNG file(s) in ${f.plots}\n`);
}

/** --analysis and --plots name a usable file and folder (checked before the evaluation runs). */
export function checkAnalysisOutputs(f: AnalysisFlags): void {
  checkOutputFile('--analysis', f.analysis);
  checkOutputDir('--plots', f.plots);
}

/** The analysis covers every image and category with the default maxDets: a subset flag with it is a usage error. */
export function checkCocoAnalysisFlags(f: AnalysisFlags, subset: boolean): void {
  checkAnalysisOutputs(f);
  if ((f.analysis || f.plots) && subset) {
    throw new UsageError('--analysis and --plots cover all images and categories with maxDets 1,10,100: leave out --img-ids, --cat-ids and --max-dets');
  }
}

export async function writeCocoAnalysis(gt: CocoGroundTruth, results: CocoDetections, f: AnalysisFlags): Promise<void> {
  if (!f.analysis && !f.plots) return;
  const a = analyzeCoco(gt, results, { scoreThreshold: f.scoreThreshold ?? 0.5 });
  if (f.analysis) await writeJson(f.analysis, a);
  const plots = f.plots ? await writeAnalysisPlots(f.plots, cocoPlotSets(a.prCurves), a.confusion) : [];
  say(f, plots);
}

export async function writeVocAnalysis(gt: VocGroundTruth, dets: VocDetection[], options: VocEvalOptions, f: AnalysisFlags): Promise<void> {
  if (!f.analysis && !f.plots) return;
  const curves = vocPrCurves(gt, dets, options);
  if (f.analysis) await writeJson(f.analysis, { metric: options.metric, prCurves: curves });
  const plots = f.plots ? await writeAnalysisPlots(f.plots, vocPlotSets(curves), null) : [];
  say(f, plots);
}
