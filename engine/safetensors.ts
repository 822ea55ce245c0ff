/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors format):
 *   u64 little-endian N | N bytes of JSON header | data bytes
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
 * start of the data section) plus an optional "__metadata__": {string: string}. The writer pads the header
 * with spaces to a multiple of 8 and lays tensors out contiguously, largest element size first, so every
 * tensor is aligned to its element size. Data is little-endian (hosts running node are little-endian).
 * In-memory array types follow engine/host_tensor.ts (F16/BF16 widen to Float32Array, I64 -> BigInt64Array).
 */
import * as fs from 'fs';
import * as path from 'path';
import { atomicWrite } from './atomic_write';
import { DTYPE_BYTES, HostDType, HostTensor, WeightsFileError, decodeLE, encodeLE, numel } from './host_tensor';

export { WeightsFileError };

const ST_TO_HOST: Record<string, HostDType> = {
  F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const HOST_TO_ST: Record<HostDType, string> = Object.fromEntries(
  Object.entries(ST_TO_HOST).map(([k, v]) => [v, k]),
) as Record<HostDType, string>;

const MAX_HEADER = 100 * 1024 * 1024;

export interface SafetensorsEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

function fail(file: string, msg: string): never {
  throw new WeightsFileError(file, msg);
}

/** Parse and validate the header of an open safetensors file. */
async function readHeader(fh: fs.promises.FileHandle, file: string, size: number) {
  if (size < 8) fail(file, `not a safetensors file: only ${size} bytes, truncated before the 8-byte header length`);
  const lenBuf = Buffer.alloc(8);
  await fh.read(lenBuf, 0, 8, 0);
  const n = Number(lenBuf.readBigUInt64LE(0));
  if (n > MAX_HEADER) fail(file, `not a safetensors file: header length ${n} is implausible`);
  if (8 + n > size) fail(file, `truncated safetensors file: header claims ${n} bytes but the file has ${size - 8} after the length`);
  const hbuf = Buffer.alloc(n);
  await fh.read(hbuf, 0, n, 8);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(hbuf.toString('utf8'));
  } catch (e) {
    fail(file, `corrupt safetensors header: invalid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail(file, 'corrupt safetensors header: not a JSON object');
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = new Map<string, SafetensorsEntry>();
  const dataSize = size - 8 - n;
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as SafetensorsEntry;
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      fail(file, `corrupt safetensors header: entry "${name}" lacks dtype/shape/data_offsets`);
    }
    const dt = ST_TO_HOST[e.dtype];
    if (!dt) fail(file, `tensor "${name}" has unsupported dtype ${e.dtype} (supported: ${Object.keys(ST_TO_HOST).join(', ')})`);
    const [b, end] = e.data_offsets;
    const want = numel(e.shape) * DTYPE_BYTES[dt];
    if (!(Number.isInteger(b) && Number.isInteger(end) && b >= 0 && end >= b) || end - b !== want) {
      fail(file, `corrupt safetensors header: tensor "${name}" [${e.shape}] ${e.dtype} needs ${want} bytes, offsets are [${b}, ${end}]`);
    }
    if (end > dataSize) fail(file, `truncated safetensors file: tensor "${name}" ends at byte ${end} of data, only ${dataSize} present`);
    entries.set(name, e);
  }
  return { entries, metadata, dataStart: 8 + n };
}

/** Read only the header: tensor names, dtypes, shapes, offsets and `__metadata__`. */
export async function readSafetensorsHeader(file: string) {
  const fh = await openForRead(file);
  try {
    return await readHeader(fh, file, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
}

async function openForRead(file: string): Promise<fs.promises.FileHandle> {
  try {
    return await fs.promises.open(file, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') fail(file, 'weights file not found');
    fail(file, `cannot open weights file (${err.message})`);
  }
}

/** Read every tensor of a safetensors file (in header order). */
export async function readSafetensors(file: string): Promise<Map<string, HostTensor>> {
  return (await readSafetensorsWithMetadata(file)).tensors;
}

export async function readSafetensorsWithMetadata(file: string) {
  const fh = await openForRead(file);
  try {
    const size = (await fh.stat()).size;
    const { entries, metadata, dataStart } = await readHeader(fh, file, size);
    const tensors = new Map<string, HostTensor>();
    for (const [name, e] of entries) {
      const dtype = ST_TO_HOST[e.dtype];
      const [b, end] = e.data_offsets;
      const bytes = new Uint8Array(end - b);
      const { bytesRead } = await fh.read(bytes, 0, bytes.length, dataStart + b);
      if (bytesRead !== bytes.length) fail(file, `truncated safetensors file while reading "${name}"`);
      tensors.set(name, { dtype, shape: e.shape.slice(), data: decodeLE(dtype, bytes, numel(e.shape)) });
    }
    return { tensors, metadata };
  } finally {
    await fh.close();
  }
}

/**
 * Write tensors as safetensors, atomically: the bytes go to `PATH.tmp-<pid>`, are fsynced, then renamed
 * over PATH. Tensor data arrays are converted to the declared dtype when their type differs.
 */
export async function writeSafetensors(
  file: string,
  tensors: Map<string, HostTensor> | Record<string, HostTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const order = list
    .map(([name, t]) => {
      if (name === '__metadata__') throw new WeightsFileError(file, '"__metadata__" is reserved and cannot be a tensor name');
      if (!HOST_TO_ST[t.dtype]) throw new WeightsFileError(file, `tensor "${name}" has unsupported dtype ${t.dtype}`);
      return { name, t, bytes: encodeLE(t) };
    })
    .sort((a, b) => DTYPE_BYTES[b.t.dtype] - DTYPE_BYTES[a.t.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new WeightsFileError(file, `metadata value for "${k}" must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let off = 0;
  for (const { name, t, bytes } of order) {
    header[name] = { dtype: HOST_TO_ST[t.dtype], shape: t.shape, data_offsets: [off, off + bytes.length] };
    off += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  await atomicWrite(file, [len, json, ...order.map((o) => o.bytes)]);
}
