/** What travels between the detector's parts: per-image targets, proposals and detections, as plain arrays. */

/** True image size inside the padded batch (network-input pixels). */
export interface ImageSize {
  width: number;
  height: number;
}

/** Training targets of one image in network-input pixels; labels are contiguous classes 0..K-1. */
export interface ImageTargets {
  boxes: Float32Array;
  labels: Int32Array;
  /** crowd regions: anchors and proposals covering them are ignored rather than negatives */
  crowdBoxes?: Float32Array;
}

/** Proposals of one image: N*4 boxes (network-input pixels) with their objectness logits. */
export interface Proposals {
  boxes: Float32Array;
  scores: Float32Array;
}

/** Detections of one image: N*4 boxes, scores, contiguous labels 0..K-1. */
export interface Detections {
  boxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

export type LossParts = Record<string, import('@tensorflow/tfjs').Scalar>;
