/**
 * `evaluateCoco(gt, results, params?)`: pycocotools' COCOeval(iouType='bbox') — evaluate, accumulate,
 * summarize — as small pure functions over columns. Inputs may be parsed JSON or already-loaded columns.
 */
import { EvalInputError } from '../eval_error';
import { accumulateCategory, newAccumulation } from './coco_accumulate';
import { groupByCategoryImage } from './coco_group';
import { loadCocoDetections, loadCocoGroundTruth } from './coco_load';
import { matchCategory } from './coco_match';
import { defaultParams } from './coco_params';
import { sliceMean, summarizeStats } from './coco_summarize';
import {
  CocoAccumulation,
  CocoCategoryResult,
  CocoDatasetJson,
  CocoDetectionJson,
  CocoDetections,
  CocoEvaluation,
  CocoGroundTruth,
  CocoParams,
  ResolvedParams,
} from './coco_types';

function subset(ids: number[] | undefined, known: Map<number, number>, what: string): number[] | null {
  if (ids === undefined) return null;
  const out = Array.from(new Set(ids)).sort((a, b) => a - b);
  for (const id of out) if (!known.has(id)) throw new EvalInputError(`${what} ${id} is not in the ground truth`);
  return out;
}

export function resolveParams(g: CocoGroundTruth, params: CocoParams): ResolvedParams {
  const imgIds = subset(params.imgIds, g.imageIndex, 'image id') ?? g.imageIds;
  const catIds = subset(params.catIds, g.categoryIndex, 'category id') ?? g.categories.map((c) => c.id);
  const p = defaultParams(imgIds, catIds);
  if (params.maxDets !== undefined) {
    const m = params.maxDets;
    if (m.length !== 3 || !m.every((v) => Number.isInteger(v) && v >= 1)) {
      throw new EvalInputError(`maxDets must be three positive integers (for the AR@1/10/100 lines), got [${m.join(', ')}]`);
    }
    p.maxDets = m.slice().sort((a, b) => a - b);
  }
  return p;
}

function isLoadedGt(gt: unknown): gt is CocoGroundTruth {
  return typeof gt === 'object' && gt !== null && 'imageIndex' in gt && 'gt' in gt;
}

function isLoadedDt(dt: unknown): dt is CocoDetections {
  return typeof dt === 'object' && dt !== null && !Array.isArray(dt) && 'dt' in dt && 'unknownCategories' in dt;
}

/** Per-category AP/AR from the accumulated arrays (category index k of the evaluated categories). */
function categoryResult(acc: CocoAccumulation, p: ResolvedParams, k: number): Pick<CocoCategoryResult, 'ap' | 'ap50' | 'ap75' | 'apSmall' | 'apMedium' | 'apLarge' | 'recall' | 'recallPerIou'> {
  const last = p.maxDets.length - 1;
  const ap = (iou: number | null, area: number) => sliceMean(acc, { ap: true, iou, area, maxDet: last, cat: k });
  const { T, K, A, M } = acc.dims;
  const recallPerIou = Array.from({ length: T }, (_, t) => acc.recall[((t * K + k) * A + 0) * M + last]);
  return {
    ap: ap(null, 0),
    ap50: ap(p.iouThrs.indexOf(0.5), 0),
    ap75: ap(p.iouThrs.indexOf(0.75), 0),
    apSmall: ap(null, 1),
    apMedium: ap(null, 2),
    apLarge: ap(null, 3),
    recall: sliceMean(acc, { ap: false, iou: null, area: 0, maxDet: last, cat: k }),
    recallPerIou,
  };
}

export function evaluateCoco(
  gtInput: CocoDatasetJson | CocoGroundTruth,
  resultsInput: CocoDetectionJson[] | CocoDetections,
  params: CocoParams = {},
): CocoEvaluation {
  const g = isLoadedGt(gtInput) ? gtInput : loadCocoGroundTruth(gtInput);
  const r = isLoadedDt(resultsInput) ? resultsInput : loadCocoDetections(resultsInput, g);
  const p = resolveParams(g, params);
  const numImages = g.imageIds.length;
  const numCats = g.categories.length;
  let imageSelected: Uint8Array | null = null;
  if (params.imgIds !== undefined) {
    imageSelected = new Uint8Array(numImages);
    for (const id of p.imgIds) imageSelected[g.imageIndex.get(id)!] = 1;
  }
  const gtGroups = groupByCategoryImage(g.gt, numImages, numCats);
  const dtGroups = groupByCategoryImage(r.dt, numImages, numCats);
  const T = p.iouThrs.length, R = p.recThrs.length, K = p.catIds.length, A = p.areaRng.length, M = p.maxDets.length;
  const acc = newAccumulation(T, R, K, A, M);
  const settings = { iouThrs: p.iouThrs, areaRng: p.areaRng, maxDet: p.maxDets[M - 1] };
  const perCategory: CocoCategoryResult[] = [];
  p.catIds.forEach((catId, k) => {
    const cat = g.categoryIndex.get(catId)!;
    const cm = matchCategory(g.gt, gtGroups, r.dt, dtGroups, cat, imageSelected, settings);
    accumulateCategory(cm, k, p.recThrs, p.maxDets, acc);
    if (params.perCategory !== false) {
      perCategory.push({
        categoryId: catId,
        name: g.categories[cat].name,
        numGt: cm.numGt,
        numGtCrowd: cm.numGtCrowd,
        numDetections: cm.numDetections,
        ...categoryResult(acc, p, k),
      });
    }
  });
  return {
    params: p,
    ...acc,
    stats: summarizeStats(acc, p),
    perCategory: params.perCategory === false ? null : perCategory,
    unknownCategories: Object.fromEntries(Array.from(r.unknownCategories.entries()).map(([id, n]) => [String(id), n])),
  };
}
