/** `resdet eval voc`: detections (devkit results files or a COCO-style JSON) against a VOC year folder. */
import { Command, InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import { checkOutputFile, writeJson } from './eval_action';
import { AnalysisFlags, checkAnalysisOutputs, withAnalysisFlags, writeVocAnalysis } from './eval_analysis';
import { action } from '../errors';
import { defaultVocMetric, vocReportLines } from '../../eval/voc/voc_report';
import { evaluateVoc } from '../../eval/voc/voc_eval';
import { readVocGroundTruth } from '../../eval/voc/voc_annotations';
import { readVocResultsDir } from '../../eval/voc/voc_results_files';
import { readVocResultsJson } from '../../eval/voc/voc_results_json';
import { VocMetric } from '../../eval/voc/voc_types';
import { vocClassNames } from '../../datasets/detection/voc';
import { required } from '../required';
import { classesOption } from '../class_list';

interface Flags extends AnalysisFlags {
  root: string;
  imageset: string;
  results: string;
  metric?: VocMetric;
  classes?: string[];
  json?: string;
}

function metricFlag(v: string): VocMetric {
  if (v !== '07' && v !== 'area') throw new InvalidArgumentError("use '07' (VOC2007 11-point) or 'area' (VOC2010+).");
  return v;
}

export function evalVocCommand(): Command {
  const cmd = new Command('voc')
    .description('Pascal VOC detection AP (py-faster-rcnn voc_eval: IoU > 0.5, +1 pixel convention, difficult objects ignored)')
    .requiredOption('--root <dir>', required('VOC year folder with Annotations/ and ImageSets/Main/, e.g. VOCdevkit/VOC2007'))
    .option('--imageset <name>', 'image set: ImageSets/Main/<name>.txt', 'test')
    .requiredOption('--results <dir|file>', required('folder of comp4_det_<set>_<class>.txt files, or a JSON list [{"image_id","category","bbox":[x,y,w,h],"score"}]'))
    .option('--metric <07|area>', '07: 11-point AP; area: area under the precision envelope (default: 07 for VOC2007, else area)', metricFlag)
    .addOption(classesOption('classes to evaluate (default: classes.txt in --root, else the 20 VOC classes)', '--classes <a,b,c>'))
    .option('--json <file>', 'write {"metric","map","ap":{class: AP}} here');
  return withAnalysisFlags(cmd, false).action(
    action(async (f: Flags) => {
      checkOutputFile('--json', f.json);
      checkAnalysisOutputs(f);
      const classes = vocClassNames(f.root, f.classes);
      const metric = f.metric ?? defaultVocMetric(f.root);
      const gt = readVocGroundTruth(f.root, f.imageset);
      const dets = fs.existsSync(f.results) && fs.statSync(f.results).isDirectory()
        ? readVocResultsDir(f.results, f.imageset, classes)
        : readVocResultsJson(f.results, gt.imageIds);
      const ev = evaluateVoc(gt, dets, { metric, classes });
      if (ev.classesWithoutGt.length) {
        process.stderr.write(`resdet: note: no (non-difficult) objects of ${ev.classesWithoutGt.join(', ')} in ${f.imageset}: AP -1, left out of the mAP\n`);
      }
      const ignored = Object.entries(ev.ignoredDetections);
      if (ignored.length) {
        process.stderr.write(`resdet: note: detections of classes not evaluated were ignored (${ignored.map(([c, n]) => `${c}: ${n}`).join(', ')})\n`);
      }
      process.stdout.write(vocReportLines(ev, gt.imageIds.length).join('\n') + '\n');
      if (f.json) await writeJson(f.json, { metric: ev.metric, map: ev.map, ap: ev.ap });
      await writeVocAnalysis(gt, dets, { metric, classes }, f);
    }),
  );
}
