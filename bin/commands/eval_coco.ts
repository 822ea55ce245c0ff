/** `resdet eval coco`: any detector's COCO results file against an instances file, as pycocotools would score it. */
import { Command } from 'commander';
import { checkOutputFile, numberList, writeJson } from './eval_action';
import { AnalysisFlags, checkCocoAnalysisFlags, withAnalysisFlags, writeCocoAnalysis } from './eval_analysis';
import { action } from '../errors';
import { readCocoDetections, readCocoGroundTruth } from '../../eval/coco/coco_load';
import { evaluateCoco } from '../../eval/coco/coco_eval';
import { categoryTable, cocoJsonReport, summaryLines, unknownCategoryNote } from '../../eval/coco/coco_report';
import { required } from '../required';

interface Flags extends AnalysisFlags {
  gt: string;
  results: string;
  json?: string;
  imgIds?: number[];
  catIds?: number[];
  maxDets?: number[];
}

export function evalCocoCommand(): Command {
  const cmd = new Command('coco')
    .description('COCO bbox evaluation (pycocotools COCOeval semantics): the 12 summary numbers and per-category AP')
    .requiredOption('--gt <file>', required('ground truth, e.g. instances_val2017.json'))
    .requiredOption('--results <file>', required('results list [{"image_id","category_id","bbox":[x,y,w,h],"score"}]'))
    .option('--json <file>', 'write {"stats":[12 numbers],"perCategory":[…]} here')
    .option('--img-ids <ids>', 'evaluate only these image ids (comma-separated)', numberList('--img-ids'))
    .option('--cat-ids <ids>', 'evaluate only these category ids (comma-separated)', numberList('--cat-ids'))
    .option('--max-dets <n,n,n>', 'the three detection limits per image and category', numberList('--max-dets'));
  return withAnalysisFlags(cmd, true).action(
    action(async (f: Flags) => {
      checkOutputFile('--json', f.json);
      checkCocoAnalysisFlags(f, !!(f.imgIds || f.catIds || f.maxDets));
      const gt = readCocoGroundTruth(f.gt);
      const results = readCocoDetections(f.results, gt);
      const ev = evaluateCoco(gt, results, { imgIds: f.imgIds, catIds: f.catIds, maxDets: f.maxDets });
      const note = unknownCategoryNote(ev);
      if (note) process.stderr.write(`resdet: note: ${note}\n`);
      if (gt.skippedAnnotations > 0) {
        process.stderr.write(`resdet: note: ${gt.skippedAnnotations} ground-truth annotation(s) name an image or category that is not listed and were left out\n`);
      }
      process.stdout.write([...summaryLines(ev), '', ...categoryTable(ev), ''].join('\n'));
      if (f.json) await writeJson(f.json, cocoJsonReport(ev));
      await writeCocoAnalysis(gt, results, f);
    }),
  );
}
