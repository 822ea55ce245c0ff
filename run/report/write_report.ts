/**
 * `writeRunReport(run)`: one static HTML report of a run in <run>/report/ (or opts.out) that works from the file
 * system with no network: metrics, loss curves (training and validation), the evaluations during training, PR
 * curves, confusion matrix, error breakdown and AP by size of the newest evaluation, the config, and a gallery of
 * the evaluated images with ground truth and predictions. Drawn from the run's files alone (no model is loaded).
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from '../../engine/atomic_write';
import { analyzeCoco } from '../../eval/analysis/coco_analysis';
import { cocoPlotSets, writeAnalysisPlots } from '../../eval/analysis/write_plots';
import { loadCocoGroundTruth, readCocoDetections } from '../../eval/coco/coco_load';
import { EVAL_FILES } from '../../eval/eval_folder';
import { readJsonFile } from '../../eval/json_file';
import { JsonlLog } from '../jsonl_log';
import { lossPoints, writeLossCurve } from '../loss_curve';
import { packageRoot } from '../package_root';
import { errorsAt, galleryImages, ImageInfo } from './gallery';
import { writeGalleryData } from './gallery_data';
import { reportPage } from './report_page';
import { configSection, confusionSection, errorSection, evalHistorySection, imageSection, metricsSection, prCurvesSection, Section, sizeSection } from './report_sections';
import { prepareReportFolder } from './report_folder';
import { findReportSources, ReportSources } from './report_sources';

export interface ReportOptions {
  /** the report folder (default <run>/report) */
  out?: string;
  /** gallery size: the images with the most errors at the threshold (default 300) */
  maxImages?: number;
  /** score threshold of the confusion matrix and the slider's first position (default 0.5) */
  threshold?: number;
  quiet?: boolean;
}

export interface ReportResult {
  index: string;
  /** images in the gallery, and in the evaluation */
  galleryImages: number;
  evaluatedImages: number;
  /** what the report could not show, for the console */
  notes: string[];
}

export const DEFAULT_GALLERY_IMAGES = 300;

/** report.js and report.css, copied beside index.html. */
export async function copyReportAssets(out: string): Promise<void> {
  const assets = path.join(packageRoot(), 'run', 'report', 'assets');
  for (const f of ['report.js', 'report.css']) await atomicWrite(path.join(out, f), [fs.readFileSync(path.join(assets, f))]);
}

function readMetrics(file: string | undefined): Record<string, unknown> {
  if (!file || !fs.existsSync(file)) return {};
  const m = readJsonFile(file);
  return m && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
}

async function logSections(src: ReportSources, out: string): Promise<Section[]> {
  if (!src.log) return [];
  const records = JsonlLog.read(src.log);
  const sections: Section[] = [];
  if (lossPoints(records, 'train').length) {
    await writeLossCurve(src.log, path.join(out, 'plots', 'loss.png'), 'training loss');
    const val = lossPoints(records, 'val').length ? ' and the validation loss (blue dots: data.test in eval mode, no update)' : ' (no validation loss was logged)';
    sections.push(imageSection('loss', 'Loss', 'plots/loss.png', `Training loss per iteration (thin) and its running mean over 10 (red)${val}.`));
  }
  const history = evalHistorySection(records);
  if (history) sections.push(history);
  return sections;
}

interface EvalPart {
  sections: Section[];
  notes: string[];
  gallery: ReturnType<typeof galleryImages>;
  classes: string[];
}

async function evalSections(evalDir: string, out: string, threshold: number): Promise<EvalPart> {
  const gtFile = path.join(evalDir, EVAL_FILES.groundTruth);
  const gtJson = readJsonFile(gtFile) as { images?: ImageInfo[] };
  const g = loadCocoGroundTruth(gtJson, gtFile);
  const r = readCocoDetections(path.join(evalDir, EVAL_FILES.detections), g);
  const unknown = [...r.unknownCategories.entries()];
  const notes = unknown.length
    ? [`${unknown.reduce((s, [, n]) => s + n, 0)} detection(s) of category id(s) ${unknown.map(([id]) => id).join(', ')}, which the ground truth does not have, are left out (a class-mapping mistake?)`]
    : [];
  const a = analyzeCoco(g, r, { scoreThreshold: threshold });
  const sets = cocoPlotSets(a.prCurves);
  await writeAnalysisPlots(path.join(out, 'plots'), sets, null);
  const pr = prCurvesSection(sets.map((s) => ({ file: `plots/${s.file}`, title: s.title })));
  const sections = [...(pr ? [pr] : []), confusionSection(a.confusion), errorSection(a), sizeSection(a)];
  return { sections, notes, gallery: galleryImages(g, r, gtJson.images ?? []), classes: g.categories.map((c) => c.name) };
}

export async function writeRunReport(run: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const src = findReportSources(run);
  const out = opts.out ?? path.join(run, 'report');
  const threshold = opts.threshold ?? 0.5;
  const maxImages = opts.maxImages ?? DEFAULT_GALLERY_IMAGES;
  prepareReportFolder(out);
  fs.mkdirSync(path.join(out, 'plots'), { recursive: true });
  const notes: string[] = [];
  const evalName = src.evalStep !== undefined ? `evaluation at step ${src.evalStep}` : 'evaluation';
  const metrics = metricsSection([
    { title: evalName, values: src.evalDir ? readMetrics(path.join(src.evalDir, EVAL_FILES.metrics)) : {} },
    { title: 'run', values: readMetrics(src.metrics) },
  ]);
  const sections: Section[] = [...(metrics ? [metrics] : []), ...(await logSections(src, out))];
  let gallery: EvalPart | null = null;
  if (src.evalDir) {
    gallery = await evalSections(src.evalDir, out, threshold);
    sections.push(...gallery.sections);
    notes.push(...gallery.notes);
  } else notes.push('no detector evaluation with its ground truth in this run: no PR curves, confusion matrix or gallery (for a detector, resdet eval model --weights RUN writes one)');
  if (src.log && !src.checkpoint) notes.push('no checkpoint yet: training has not saved one (the report shows what the log holds so far)');
  if (src.config) sections.push(configSection(path.basename(src.config), fs.readFileSync(src.config, 'utf8')));
  let shown = 0;
  if (gallery) {
    const all = gallery.gallery;
    const chosen = all
      .map((im, i) => ({ im, i, e: errorsAt(im, threshold) }))
      .sort((a, b) => b.e.falsePositives + b.e.missed - (a.e.falsePositives + a.e.missed) || a.i - b.i)
      .slice(0, maxImages)
      .sort((a, b) => a.i - b.i)
      .map((x) => x.im);
    shown = chosen.length;
    const problems = await writeGalleryData(out, { kind: 'predictions', classes: gallery.classes, threshold, images: chosen }, { quiet: opts.quiet });
    if (problems.length) notes.push(`${problems.length} image(s) could not be read for the gallery (first: ${problems[0]})`);
  }
  const evaluated = gallery?.gallery.length ?? 0;
  const galleryNote = shown < evaluated
    ? `${shown} of the ${evaluated} evaluated images: those with the most errors at score ≥ ${threshold}. Boxes are matched at IoU 0.5 by the COCO evaluator's matching.`
    : `The ${evaluated} evaluated images. Boxes are matched at IoU 0.5 by the COCO evaluator's matching; click an image to see it larger with labels.`;
  await copyReportAssets(out);
  const index = path.join(out, 'index.html');
  const page = reportPage({
    title: `resdet report: ${path.basename(path.resolve(run))}`,
    subtitle: `${path.resolve(run)}${src.evalDir ? ` — ${evalName} in ${path.relative(run, src.evalDir) || '.'}` : ''} — written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    notes,
    sections,
    gallery: gallery ? 'predictions' : null,
    galleryNote,
  });
  await atomicWrite(index, [Buffer.from(page)]);
  return { index, galleryImages: shown, evaluatedImages: evaluated, notes };
}
