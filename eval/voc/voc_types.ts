/** Shapes of Pascal VOC evaluation. Boxes are VOC's [xmin, ymin, xmax, ymax]: 1-based, inclusive pixels. */
export type VocBox = [number, number, number, number];

export const VOC_CLASSES = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

export interface VocObject {
  name: string;
  difficult: boolean;
  box: VocBox;
}

/** The images of an image set (in file order) and each image's objects in XML order. */
export interface VocGroundTruth {
  imageIds: string[];
  objects: Map<string, VocObject[]>;
}

export interface VocDetection {
  imageId: string;
  className: string;
  score: number;
  box: VocBox;
}

export type VocMetric = '07' | 'area';

export interface VocEvalOptions {
  /** '07': VOC2007 11-point interpolated AP; 'area': VOC2010+ area under the precision envelope. */
  metric: VocMetric;
  /** Classes to evaluate (default: the 20 VOC classes). */
  classes?: string[];
}

export interface VocClassResult {
  /** -1 when the class has no non-difficult object in the image set. */
  ap: number;
  npos: number;
  numDifficult: number;
  numDetections: number;
  finalRecall: number;
  finalPrecision: number | null;
}

export interface VocEvaluation {
  metric: VocMetric;
  /** Plain mean of the per-class AP over the classes that have ground truth (a class without detections counts 0). */
  map: number;
  ap: Record<string, number>;
  perClass: Record<string, VocClassResult>;
  /** Classes without any non-difficult object: AP -1, left out of the mean. */
  classesWithoutGt: string[];
  /** Detections of classes that were not evaluated, by class name. */
  ignoredDetections: Record<string, number>;
}
