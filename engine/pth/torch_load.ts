/**
 * Read the state dict out of a `torch.save` file without Python.
 *
 * Zip format (torch >= 1.6): `<prefix>/data.pkl` is a pickle whose tensors reference storages by
 * persistent id ('storage', torch.FloatStorage, key, location, numel); each storage's raw little-endian
 * bytes live in `<prefix>/data/<key>` (`<prefix>/byteorder` may say 'big'). Legacy format (torch < 1.6,
 * or `_use_new_zipfile_serialization=False`): consecutive pickles (magic number, protocol version,
 * sys_info, the object, the storage key list) followed by each storage as an int64 element count and
 * its bytes. Both are supported. Tensors are made contiguous (storage offset and strides honoured);
 * tensors sharing a storage each get their own correct copy. Only storages used by the returned state
 * dict are read. Array types per dtype follow engine/host_tensor.ts (int64 -> BigInt64Array).
 */
import * as fs from 'fs';
import { DTYPE_BYTES, HostDType, HostData, HostTensor, WeightsFileError, allocData, decodeLE, numel } from '../host_tensor';
import { PyGlobal, PyObject, Unpickler } from './unpickler';
import { ZipReader } from './zip_reader';

const STORAGE_DTYPES: Record<string, HostDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool', UntypedStorage: 'uint8',
};

class StorageType {
  constructor(readonly name: string, readonly dtype: HostDType | undefined) {}
}

/** A storage referenced by the pickle; its bytes are fetched only if a returned tensor needs them. */
class StorageRef {
  data?: HostData;
  constructor(readonly key: string, readonly type: StorageType, readonly numel: number,
    readonly view?: { offset: number; numel: number }) {}
}

/** A tensor as described by the pickle, before its storage is read. */
class LazyTensor {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function findClass(module: string, name: string): unknown {
  const key = `${module}.${name}`;
  switch (key) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return (storage: unknown, offset: number, size: number[], stride: number[]) => {
        if (!(storage instanceof StorageRef)) throw new Error('tensor rebuilt from something that is not a storage');
        return new LazyTensor(storage, Number(offset), size.map(Number), stride.map(Number));
      };
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return (data: unknown) => data;
    case 'torch._tensor._rebuild_from_type_v2':
      return (fn: unknown, _type: unknown, args: unknown[]) =>
        typeof fn === 'function' ? fn(...args) : new PyObject(fn, args);
    case 'torch.Size':
      return (dims: unknown[]) => dims;
    case 'torch.device':
      return (...args: unknown[]) => args.join(':');
  }
  if ((module === 'torch' || module === 'torch.storage') && name.endsWith('Storage')) {
    return new StorageType(name, STORAGE_DTYPES[name]);
  }
  return undefined;
}

function storageFromPid(pid: unknown, legacy: boolean): StorageRef | null {
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    if (Array.isArray(pid) && pid[0] === 'module') return null; // legacy whole-module source record
    throw new Error(`unexpected persistent id ${JSON.stringify(String(pid))}`);
  }
  const type = pid[1] instanceof StorageType ? pid[1] : new StorageType(String(pid[1]), undefined);
  const view = legacy && Array.isArray(pid[5]) ? { offset: Number(pid[5][1]), numel: Number(pid[5][2]) } : undefined;
  return new StorageRef(String(pid[2]), type, Number(pid[4]), view);
}

// ---------------------------------------------------------------- state dict selection

const CONTAINER_KEYS = ['state_dict', 'model_state_dict', 'model', 'model_state', 'module', 'net', 'network', 'params'];

function describe(x: unknown): string {
  if (x instanceof PyObject) return `an object of class ${String(x.cls)}`;
  if (x instanceof PyGlobal) return `the global ${x}`;
  if (x instanceof Map) return 'a dict without tensors';
  return x === null ? 'None' : typeof x;
}

/** Flatten nested dicts of tensors into dotted names; non-tensor leaves are skipped. */
function collect(x: unknown, prefix: string, out: Map<string, LazyTensor>): void {
  if (x instanceof LazyTensor) out.set(prefix, x);
  else if (x instanceof Map) for (const [k, v] of x) collect(v, prefix ? `${prefix}.${String(k)}` : String(k), out);
}

function selectStateDict(root: unknown): Map<string, LazyTensor> {
  if (root instanceof Map) {
    const direct = [...root.values()].some((v) => v instanceof LazyTensor);
    if (!direct) {
      for (const k of CONTAINER_KEYS) {
        if (!root.has(k)) continue;
        const v = root.get(k);
        if (v instanceof Map) return selectStateDict(v);
        throw new Error(`the "${k}" entry holds ${describe(v)}, not a state dict; save model.state_dict() instead`);
      }
    }
    const out = new Map<string, LazyTensor>();
    collect(root, '', out);
    if (out.size) return out;
  }
  throw new Error(`holds ${describe(root)}, not a state dict of tensors; save model.state_dict() instead`);
}

// ---------------------------------------------------------------- materialisation

function swapBytes(b: Uint8Array, width: number): void {
  for (let i = 0; i + width <= b.length; i += width) b.subarray(i, i + width).reverse();
}

function decodeStorage(s: StorageRef, bytes: Uint8Array, bigEndian: boolean): HostData {
  const dtype = s.type.dtype as HostDType;
  const w = DTYPE_BYTES[dtype];
  const n = Math.floor(bytes.length / w);
  if (n < s.numel) throw new Error(`storage ${s.key} has ${n} elements, expected ${s.numel} (truncated?)`);
  if (bigEndian && w > 1) { bytes = bytes.slice(); swapBytes(bytes, w); }
  return decodeLE(dtype, bytes, s.numel);
}

function materialize(name: string, t: LazyTensor): HostTensor {
  const dtype = t.storage.type.dtype;
  if (!dtype) throw new Error(`tensor "${name}" uses unsupported storage type torch.${t.storage.type.name}`);
  const src = t.storage.data as HostData;
  const base = t.offset + (t.storage.view?.offset ?? 0);
  const n = numel(t.shape);
  const out = allocData(dtype, n);
  if (n === 0) return { dtype, shape: t.shape, data: out };
  let maxIdx = base;
  for (let d = 0; d < t.shape.length; d++) maxIdx += (t.shape[d] - 1) * t.stride[d];
  if (base < 0 || maxIdx >= src.length) {
    throw new Error(`tensor "${name}" [${t.shape}] at offset ${base} strides [${t.stride}] reaches past its storage of ${src.length} elements`);
  }
  const rank = t.shape.length;
  let contiguous = true;
  for (let d = rank - 1, expect = 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.shape[d];
  }
  if (contiguous) {
    (out as Float32Array).set((src as Float32Array).subarray(base, base + n));
    return { dtype, shape: t.shape, data: out };
  }
  const idx = new Array(rank).fill(0);
  let off = base;
  const o = out as unknown as { [i: number]: unknown };
  const s = src as unknown as { [i: number]: unknown };
  for (let i = 0; i < n; i++) {
    o[i] = s[off];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) { off += t.stride[d]; break; }
      off -= (t.shape[d] - 1) * t.stride[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape: t.shape, data: out };
}

function finish(lazy: Map<string, LazyTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of lazy) out.set(name, materialize(name, t));
  return out;
}

// ---------------------------------------------------------------- the two container formats

async function readZipFormat(file: string): Promise<Map<string, HostTensor>> {
  const zip = await ZipReader.open(file);
  try {
    const pkls = [...zip.entries.keys()].filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
    if (!pkls.length) throw new Error('zip archive has no data.pkl: not a torch.save file');
    const pkl = pkls.sort((a, b) => a.split('/').length - b.split('/').length)[0];
    const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
    let bigEndian = false;
    if (zip.has(`${prefix}byteorder`)) bigEndian = Buffer.from(await zip.read(`${prefix}byteorder`)).toString().trim() === 'big';
    const byKey = new Map<string, StorageRef>();
    const persistentLoad = (pid: unknown): StorageRef | null => {
      const s = storageFromPid(pid, false);
      if (!s) return null;
      if (!byKey.has(s.key)) byKey.set(s.key, s);
      return byKey.get(s.key) as StorageRef; // shared storages are read and decoded once
    };
    const root = new Unpickler(await zip.read(pkl), { findClass, persistentLoad }).load();
    const lazy = selectStateDict(root);
    for (const t of lazy.values()) {
      const s = t.storage;
      if (s.data || !s.type.dtype) continue;
      s.data = decodeStorage(s, await zip.read(`${prefix}data/${s.key}`), bigEndian);
    }
    return finish(lazy);
  } finally {
    await zip.close();
  }
}

async function readLegacyFormat(file: string): Promise<Map<string, HostTensor>> {
  const buf = new Uint8Array(await fs.promises.readFile(file));
  const storages = new Map<string, StorageRef>();
  const next = (u: Unpickler, opts = {}) => { const p = new Unpickler(buf, opts, u.pos); const v = p.load(); u.pos = p.pos; return v; };
  const cursor = new Unpickler(buf, {}, 0);
  const magic = next(cursor);
  if (magic !== LEGACY_MAGIC) throw new Error('not a torch.save file (bad legacy magic number)');
  next(cursor); // protocol version
  const sysInfo = next(cursor);
  const bigEndian = sysInfo instanceof Map && sysInfo.get('little_endian') === false;
  const root = next(cursor, {
    findClass,
    persistentLoad: (pid: unknown) => {
      const s = storageFromPid(pid, true);
      if (!s) return null;
      const shared = storages.get(s.key);
      if (!shared) { storages.set(s.key, s); return s; }
      return s.view ? new StorageRef(s.key, shared.type, shared.numel, s.view) : shared;
    },
  });
  const keys = next(cursor) as string[];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = cursor.pos;
  const data = new Map<string, HostData>();
  for (const key of keys) {
    const s = storages.get(String(key));
    if (pos + 8 > buf.length) throw new Error(`truncated: storage ${key} missing`);
    const n = Number(bigEndian ? view.getBigInt64(pos, false) : view.getBigInt64(pos, true));
    pos += 8;
    const width = s?.type.dtype ? DTYPE_BYTES[s.type.dtype] : 1;
    if (pos + n * width > buf.length) throw new Error(`truncated: storage ${key} needs ${n * width} bytes`);
    if (s?.type.dtype) data.set(s.key, decodeStorage(s, buf.subarray(pos, pos + n * width), bigEndian));
    pos += n * width;
  }
  const lazy = selectStateDict(root);
  for (const t of lazy.values()) {
    if (t.storage.type.dtype && !data.has(t.storage.key)) throw new Error(`storage ${t.storage.key} missing`);
    t.storage.data = data.get(t.storage.key);
  }
  return finish(lazy);
}

/**
 * The state dict of a torch.save file: the saved dict itself when it maps names to tensors, else its
 * 'state_dict' / 'model' / ... entry (see CONTAINER_KEYS); nested dicts are flattened with dots.
 * Non-tensor entries are skipped. Errors are WeightsFileError with the path in the message.
 */
export async function readTorchStateDict(file: string): Promise<Map<string, HostTensor>> {
  let head: Buffer;
  try {
    const fh = await fs.promises.open(file, 'r');
    head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    await fh.close();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new WeightsFileError(file, err.code === 'ENOENT' ? 'weights file not found' : `cannot open (${err.message})`);
  }
  const legacy = head[0] === 0x80 && head[2] === 0x8a; // pickle PROTO then LONG1: the legacy magic number
  try {
    return legacy ? await readLegacyFormat(file) : await readZipFormat(file);
  } catch (e) {
    if (e instanceof WeightsFileError) throw e;
    throw new WeightsFileError(file, `${legacy ? 'legacy ' : ''}torch file: ${(e as Error).message}`);
  }
}
