/**
 * torchvision's COCO category list (torchvision.models._meta._COCO_CATEGORIES): 91 entries, index = COCO
 * category id, '__background__' at 0 and 'N/A' for the ids COCO left unused (12, 26, 29, 30, 45, 66, 68, 69,
 * 71, 83). A detector trained with torchvision on COCO predicts these indices as its labels.
 */
import { ClassMap } from './record';

export const TORCHVISION_COCO_CATEGORIES = [
  '__background__', 'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'N/A', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant',
  'bear', 'zebra', 'giraffe', 'N/A', 'backpack', 'umbrella', 'N/A', 'N/A', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis',
  'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'N/A', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
  'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed', 'N/A', 'dining table', 'N/A', 'N/A', 'toilet',
  'N/A', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator',
  'N/A', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

/**
 * The class map of a torchvision COCO detector: resdet's labels 0…89 are torchvision's 1…90 (resdet keeps the
 * background out of its labels), and categoryIds[label] = label + 1 is the COCO category id, 'N/A' gaps included,
 * so `predict` writes torchvision's label as `category_id`.
 */
export function torchvisionCocoClassMap(): ClassMap {
  const names = TORCHVISION_COCO_CATEGORIES.slice(1);
  return { names, categoryIds: names.map((_, i) => i + 1) };
}
