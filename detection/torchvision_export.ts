/**
 * `weights export`: a resdet detector checkpoint as the state dict of its torchvision builder (the descriptor
 * of its layout, torchvision_detectors.ts), written as .pth (torch.save's zip format) or .safetensors with
 * torchvision's current key names, so that `builder(weights=None, weights_backbone=None, num_classes=K+1)
 * .load_state_dict(sd, strict=True)` accepts it. The checkpoint's tensors are already in PyTorch's layouts;
 * they are copied bit for bit. A detector with no torchvision counterpart is refused with the reason.
 */
import { CheckpointError, readCheckpointMeta, resolveCheckpoint } from '../run/checkpoint';
import { readSafetensors, writeSafetensors } from '../engine/safetensors';
import { writeTorchStateDict } from '../engine/pth/torch_save';
import { HostTensor } from '../engine/host_tensor';
import { deepMerge } from '../run/config';
import { ClassMap } from '../datasets/detection/record';
import { DETECTOR_DEFAULTS, DetectorConfig } from './config';
import { torchvisionDetectorFor } from './torchvision_detectors';

export interface ExportedDetector {
  arch: string;
  /** torchvision's num_classes (with the background) */
  numClasses: number;
  tensors: number;
}

export async function exportTorchvisionDetector(weights: string, format: 'pth' | 'safetensors', out: string): Promise<ExportedDetector> {
  const ck = resolveCheckpoint(weights);
  if (!ck.meta) throw new CheckpointError(`${weights}: not a resdet detector checkpoint (no metadata beside it); export takes a run folder or a checkpoint`);
  const meta = await readCheckpointMeta(ck.meta);
  if (meta.kind !== 'detector') throw new CheckpointError(`${ck.meta}: a ${meta.kind} checkpoint, not a detector; export writes torchvision detectors`);
  const cfg = deepMerge(DETECTOR_DEFAULTS, meta.config as DetectorConfig);
  const layout = cfg.model.type ?? 'c4';
  const spec = torchvisionDetectorFor(cfg);
  if (!spec) {
    const why = layout === 'c4' ? "the paper's C4 layout (res5 as the box head): torchvision has no such builder" : `layout '${layout}' has no torchvision builder`;
    throw new CheckpointError(`${ck.meta}: no torchvision counterpart: ${why}`);
  }
  const mismatch = spec.mismatch(cfg);
  if (mismatch) throw new CheckpointError(`${ck.meta}: no torchvision counterpart: ${mismatch}`);
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of await readSafetensors(ck.model)) {
    if (name.endsWith('num_batches_tracked')) continue;
    tensors.set(spec.toTorchvision(name), t);
    if (spec.numBatchesTracked && name.endsWith('.running_var')) {
      tensors.set(spec.toTorchvision(name.replace(/running_var$/, 'num_batches_tracked')), { dtype: 'int64', shape: [], data: new BigInt64Array(1) });
    }
  }
  if (format === 'pth') await writeTorchStateDict(out, tensors);
  else await writeSafetensors(out, tensors, { format: 'pt', producer: 'resdet' });
  return { arch: spec.arch, numClasses: (meta.classes as ClassMap).names.length + 1, tensors: tensors.size };
}
