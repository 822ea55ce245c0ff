/**
 * Detectors exported to ONNX (export/detector/) and run by ONNX Runtime reproduce resdet's own detections:
 * at least 99% of them (same label, IoU ≥ 0.99, score within 1e-3) on two images of different sizes, for the
 * demo detector (R18 quarter width FPN, configs/demo.yaml) with the legacy RoIAlign, with aligned RoIAlign
 * (opset 16, 'half_pixel') and with RoIPool (MaxRoiPool), and for a ResNet-50 FPN (configs/
 * faster_rcnn_R_50_FPN_coco.yaml, 80 classes, at a 320-pixel short side to keep the test short); the C4 layout
 * on the demo's trunk, also with BGR mean-only normalisation, the paper's anchors and torchvision's resize rule;
 * the FPN v2 pieces (batch norm in the pyramid, two RPN convolutions, conv+fc box head, torchvision's anchor strides).
 * Weights are random with calibrated batch norm; the images are smaller than the test size (resdet enlarges
 * them bilinearly, as the graph does), but for one image of the 'torch-bilinear' resize, which shrinks, and
 * 'demo-shrinks', whose two images shrink by 0.85x and 2.2x (antialiased, triangle.ts and its graph twin). Every exported file passes `onnx.checker.check_model(full_check=True)`.
 */
import { detectorReference, DetectorReference, DetectorSpec, reproduced } from '../helpers/detector_reference';
import { checkOnnxFiles } from '../helpers/onnx_reference';
import { requires, PYTHON } from '../helpers/requirements';
import { tempDir } from '../helpers/temp_dir';

const DEMO = { config: 'configs/demo.yaml', numClasses: 4, calibrate: [256, 320] as [number, number], classWeightScale: 10, images: [[200, 150], [160, 224]] as Array<[number, number]> };
const LOW_THRESH = 'model.roiHeads.scoreThresh=0.05';

const SPECS: DetectorSpec[] = [
  { name: 'demo', ...DEMO, sets: [LOW_THRESH], seed: 5 },
  // larger than the test size: resdet shrinks them with libvips's antialiasing 'linear' kernel, the graph with its
  // triangle filter (the second by more than 2x)
  { name: 'demo-shrinks', ...DEMO, images: [[400, 300], [640, 560]], sets: [LOW_THRESH], seed: 12 },
  { name: 'demo-aligned', ...DEMO, sets: [LOW_THRESH, 'model.roiHeads.aligned=true'], seed: 6, opset: 16 },
  { name: 'demo-roipool', ...DEMO, sets: [LOW_THRESH, 'model.roiHeads.pooler=pool'], seed: 7 },
  { name: 'demo-c4', ...DEMO, sets: [LOW_THRESH, 'model.type=c4', 'model.roiHeads.resolution=14'], seed: 8 },
  {
    name: 'demo-c4-msra-torch-resize',
    ...DEMO,
    // BGR mean-only normalisation, the paper's anchors, torchvision's resize rule and bilinear shrinking (the second image shrinks)
    sets: [LOW_THRESH, 'model.type=c4', 'model.roiHeads.resolution=14', 'data.normalization=msra', 'model.rpn.anchorStyle=py-faster-rcnn', 'data.resize=torch-bilinear'],
    images: [[200, 150], [300, 420]],
    // unscaled pixels make large features: the class weights as initialised already spread the scores
    classWeightScale: 1,
    seed: 8,
  },
  {
    name: 'demo-fpn-v2',
    ...DEMO,
    // torchvision's fasterrcnn_resnet50_fpn_v2 pieces: batch norm in the pyramid, two RPN convolutions, the conv+fc box head; its anchor strides and resize
    sets: [LOW_THRESH, 'model.fpn.norm=bn', 'model.rpn.convDepth=2', 'model.roiHeads.boxHead=convfc', 'model.rpn.anchorStrides=torchvision', 'data.resize=torch-bilinear'],
    images: [[200, 150], [170, 230]],
    seed: 11,
  },
  {
    name: 'r50-fpn',
    config: 'configs/faster_rcnn_R_50_FPN_coco.yaml',
    sets: [LOW_THRESH, 'model.batchNorm=train', 'model.freezeAt=0', 'model.pretrained=', 'data.testShortSide=320', 'data.maxSize=512'],
    numClasses: 80,
    calibrate: [320, 416],
    classWeightScale: 2,
    images: [[240, 180], [200, 260]],
    seed: 9,
  },
];

const dir = tempDir('onnx-detectors');
const refs: Record<string, DetectorReference> = {};

beforeAll(() => {
  for (const s of SPECS) refs[s.name] = detectorReference(s, dir);
}, 1_800_000);

describe.each(SPECS.map((s) => [s.name]))('%s', (name) => {
  test('ONNX Runtime reproduces at least 99% of resdet\'s detections on each image', () => {
    const r = refs[name];
    expect(r.files).toHaveLength(2);
    r.resdet.forEach((dets, i) => {
      // real detections, with scores spread out (not all tied)
      expect(dets.length).toBeGreaterThanOrEqual(10);
      expect(dets[0].score - dets[dets.length - 1].score).toBeGreaterThan(0.05);
      expect(reproduced(dets, r.onnx[i])).toBeGreaterThanOrEqual(0.99);
      // and nothing of its own beyond them
      expect(reproduced(r.onnx[i], dets)).toBeGreaterThanOrEqual(0.99);
    });
  });
});

requires('onnx').test('every exported detector passes onnx.checker.check_model(full_check=True)', () => {
  const results = checkOnnxFiles(PYTHON, SPECS.map((s) => refs[s.name].onnxFile));
  for (const [file, error] of Object.entries(results)) expect([file, error]).toEqual([file, null]);
});
