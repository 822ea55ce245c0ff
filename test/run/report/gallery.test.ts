/**
 * The gallery's per-image errors at a score threshold, from the COCO evaluator's matching at IoU 0.5, against
 * counts worked out by hand for a case with a duplicate, a wrong class, a low-scoring match, a crowd region and
 * an image without detections.
 */
import { loadCocoDetections, loadCocoGroundTruth } from '../../../eval/coco/coco_load';
import { DetStatus, errorsAt, galleryImages } from '../../../run/report/gallery';

const images = [
  { id: 1, width: 100, height: 100, file_name: 'a.jpg', path: '/data/a.jpg' },
  { id: 2, width: 100, height: 100, file_name: 'b.jpg', path: '/data/b.jpg' },
];
const gtJson = {
  images,
  categories: [{ id: 1, name: 'cat' }, { id: 2, name: 'dog' }],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 400, iscrowd: 0 }, // A
    { id: 2, image_id: 1, category_id: 2, bbox: [50, 50, 30, 30], area: 900, iscrowd: 0 }, // B
    { id: 3, image_id: 1, category_id: 1, bbox: [0, 70, 30, 30], area: 900, iscrowd: 1 }, // crowd C
    { id: 4, image_id: 2, category_id: 1, bbox: [10, 10, 40, 40], area: 1600, iscrowd: 0 }, // D: never detected
  ],
};
const dets = [
  { image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], score: 0.9 }, // finds A
  { image_id: 1, category_id: 1, bbox: [11, 11, 20, 20], score: 0.8 }, // duplicate of A: false positive
  { image_id: 1, category_id: 1, bbox: [50, 50, 30, 30], score: 0.7 }, // cat on the dog B: false positive
  { image_id: 1, category_id: 2, bbox: [52, 52, 30, 30], score: 0.3 }, // finds B (IoU 784/1016), below 0.5
  { image_id: 1, category_id: 1, bbox: [0, 70, 30, 30], score: 0.6 }, // on the crowd region: ignored
];

const g = loadCocoGroundTruth(gtJson);
const gallery = galleryImages(g, loadCocoDetections(dets, g), images);

test('each image keeps its file, size, boxes and detections (highest score first) with their match status', () => {
  expect(gallery.map((im) => [im.file, im.width, im.height, im.gt.length, im.dets.length])).toEqual([['/data/a.jpg', 100, 100, 3, 5], ['/data/b.jpg', 100, 100, 1, 0]]);
  expect(gallery[0].dets.map((d) => [d[5], d[6]])).toEqual([
    [0.9, DetStatus.Matched], [0.8, DetStatus.FalsePositive], [0.7, DetStatus.FalsePositive], [0.6, DetStatus.Ignored], [0.3, DetStatus.Matched],
  ]);
  // each box with the score of the detection that found it (-1: none) and its crowd flag
  expect(gallery[0].gt.map((b) => [b[5], b[6]])).toEqual([[0.9, 0], [0.3, 0], [-1, 1]]);
  expect(gallery[1].gt.map((b) => [b[5], b[6]])).toEqual([[-1, 0]]);
});

test.each([
  [0.25, { falsePositives: 2, missed: 0 }, { falsePositives: 0, missed: 1 }],
  [0.5, { falsePositives: 2, missed: 1 }, { falsePositives: 0, missed: 1 }],
  [0.85, { falsePositives: 0, missed: 1 }, { falsePositives: 0, missed: 1 }],
  [0.95, { falsePositives: 0, missed: 2 }, { falsePositives: 0, missed: 1 }],
])('errors at score >= %s', (t, a, b) => {
  expect(errorsAt(gallery[0], t)).toEqual(a);
  expect(errorsAt(gallery[1], t)).toEqual(b);
});
