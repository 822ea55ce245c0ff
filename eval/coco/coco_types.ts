/** The shapes COCO evaluation reads and returns. Field names of inputs follow the COCO file format. */

/** An `instances_*.json` as users have it; fields other than these (segmentation, licenses, …) are ignored. */
export interface CocoDatasetJson {
  images: { id: number; [k: string]: unknown }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd?: number; [k: string]: unknown }[];
  categories: { id: number; name: string; [k: string]: unknown }[];
}

/** One entry of a results list: a box `[x, y, w, h]` in pixels with its score. */
export interface CocoDetectionJson {
  image_id: number;
  category_id: number;
  bbox: number[];
  score: number;
}

/** Boxes as columns; `image` and `category` are dense indices into the ground truth's sorted id lists. */
export interface BoxColumns {
  count: number;
  image: Int32Array;
  category: Int32Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;
}

export interface GtColumns extends BoxColumns {
  id: Float64Array;
  area: Float64Array;
  crowd: Uint8Array;
}

export interface DtColumns extends BoxColumns {
  score: Float64Array;
}

/** A checked ground-truth dataset: image and category ids sorted ascending, annotations as columns. */
export interface CocoGroundTruth {
  imageIds: number[];
  categories: { id: number; name: string }[];
  imageIndex: Map<number, number>;
  categoryIndex: Map<number, number>;
  gt: GtColumns;
  /** Annotations left out because their image or category is not listed (pycocotools never selects them). */
  skippedAnnotations: number;
}

/** A checked results list. Detections of categories the ground truth does not list are counted, then dropped. */
export interface CocoDetections {
  dt: DtColumns;
  unknownCategories: Map<number, number>;
}

export interface CocoParams {
  /** Images to evaluate (default: all of the ground truth). */
  imgIds?: number[];
  /** Categories to evaluate (default: all of the ground truth). */
  catIds?: number[];
  /** Three ascending detection limits per image and category (default [1, 10, 100]). */
  maxDets?: number[];
  /** Compute per-category figures (default true). */
  perCategory?: boolean;
}

export interface ResolvedParams {
  imgIds: number[];
  catIds: number[];
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRng: [number, number][];
  areaRngLbl: string[];
}

export interface CocoCategoryResult {
  categoryId: number;
  name: string;
  numGt: number;
  numGtCrowd: number;
  numDetections: number;
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  /** Mean over the IoU thresholds of recall at the largest maxDets, area all; -1 without ground truth. */
  recall: number;
  recallPerIou: number[];
}

/** pycocotools' `eval` dict: precision [T][R][K][A][M] and recall [T][K][A][M], row-major, -1 where undefined. */
export interface CocoAccumulation {
  precision: Float64Array;
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
}

export interface CocoEvaluation extends CocoAccumulation {
  params: ResolvedParams;
  /** `COCOeval.stats`: AP, AP50, AP75, AP S/M/L, AR@1, AR@10, AR@100, AR S/M/L. */
  stats: number[];
  perCategory: CocoCategoryResult[] | null;
  /** Detections ignored because their category is not in the ground truth, by category id. */
  unknownCategories: Record<string, number>;
}
