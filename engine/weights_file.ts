/**
 * readWeightsFile: load the tensors of a weights file, whatever its container, deciding by content:
 *   'PK\x03\x04' / 'PK\x05\x06' (zip)     -> torch.save archive (engine/pth/torch_load.ts)
 *   0x80 0x02 0x8a (pickled magic number) -> legacy torch.save file (same reader)
 *   u64 header length then '{'            -> safetensors (engine/safetensors.ts)
 * Anything else, or a missing file, is a WeightsFileError naming the file.
 */
import * as fs from 'fs';
import { HostTensor, WeightsFileError } from './host_tensor';
import { readTorchStateDict } from './pth/torch_load';
import { readSafetensors } from './safetensors';

export type WeightsFormat = 'pth' | 'pth-legacy' | 'safetensors';

/** Sniff the container format from the first bytes of the file. */
export async function detectWeightsFormat(file: string): Promise<WeightsFormat> {
  let head = Buffer.alloc(16);
  let size: number;
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      size = (await fh.stat()).size;
      head = head.subarray(0, (await fh.read(head, 0, 16, 0)).bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new WeightsFileError(file, 'weights file not found');
    if (err.code === 'EISDIR') throw new WeightsFileError(file, 'is a directory, not a weights file');
    throw new WeightsFileError(file, `cannot open weights file (${err.message})`);
  }
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return 'pth';
  if (head.length >= 3 && head[0] === 0x80 && head[1] === 0x02 && head[2] === 0x8a) return 'pth-legacy';
  if (head.length >= 9 && head[8] === 0x7b /* '{' */) {
    const n = head.readBigUInt64LE(0);
    if (n >= 2n && n <= 100_000_000n) return 'safetensors'; // the reader reports truncation
  }
  const what = size === 0 ? 'the file is empty' : `unrecognised content (first bytes ${head.subarray(0, 8).toString('hex')})`;
  throw new WeightsFileError(file, `not a weights file: ${what}; expected a torch.save .pth/.pt file or .safetensors`);
}

/** All tensors of a .safetensors file, or the state dict of a torch.save file. */
export async function readWeightsFile(file: string): Promise<Map<string, HostTensor>> {
  const fmt = await detectWeightsFormat(file);
  return fmt === 'safetensors' ? readSafetensors(file) : readTorchStateDict(file);
}
