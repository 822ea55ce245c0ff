/**
 * Writing a state dict as `torch.save(state_dict, f)` does (the zip format of torch >= 1.6), so that
 * `torch.load` reads it: `archive/data.pkl` is a protocol-2 pickle of an OrderedDict whose values are
 * `torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())`, each storage a persistent id
 * ('storage', torch.<Dtype>Storage, key, 'cpu', numel); `archive/data/<key>` holds each storage's little-endian
 * bytes (stored, not compressed, 64-byte aligned as torch aligns them) and `archive/version` is "3".
 * One storage per tensor; tensors are contiguous. Files over 4 GiB (zip64) are refused.
 */
import * as zlib from 'zlib';
import { HostDType, HostTensor, encodeLE } from '../host_tensor';
import { atomicWrite } from '../atomic_write';

const STORAGE_NAMES: Partial<Record<HostDType, string>> = {
  float32: 'FloatStorage', float64: 'DoubleStorage', float16: 'HalfStorage', bfloat16: 'BFloat16Storage',
  int64: 'LongStorage', int32: 'IntStorage', int16: 'ShortStorage', int8: 'CharStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

/** A protocol-2 pickle emitter: just the opcodes a state dict of tensors needs. */
class PickleWriter {
  private readonly parts: Buffer[] = [];
  private op(...bytes: number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  proto(): this {
    return this.op(0x80, 2);
  }
  global(module: string, name: string): this {
    this.parts.push(Buffer.from(`c${module}\n${name}\n`, 'latin1'));
    return this;
  }
  mark(): this {
    return this.op(0x28); // (
  }
  tuple(): this {
    return this.op(0x74); // t: the items since the mark
  }
  emptyTuple(): this {
    return this.op(0x29); // )
  }
  reduce(): this {
    return this.op(0x52); // R
  }
  binpersid(): this {
    return this.op(0x51); // Q
  }
  setitems(): this {
    return this.op(0x75); // u
  }
  newFalse(): this {
    return this.op(0x89);
  }
  stop(): this {
    return this.op(0x2e); // .
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    this.parts.push(Buffer.from([0x58]), len, b); // X: BINUNICODE
    return this;
  }
  int(n: number): this {
    if (!Number.isInteger(n) || n < 0) throw new Error(`PickleWriter: ${n} is not a non-negative integer`);
    if (n < 256) return this.op(0x4b, n); // K: BININT1
    if (n < 2 ** 31) {
      const b = Buffer.alloc(5);
      b[0] = 0x4a; // J: BININT
      b.writeInt32LE(n, 1);
      this.parts.push(b);
      return this;
    }
    const b = Buffer.alloc(10);
    b[0] = 0x8a; // LONG1, 8 bytes
    b[1] = 8;
    b.writeBigInt64LE(BigInt(n), 2);
    this.parts.push(b);
    return this;
  }
  ints(values: number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  /** collections.OrderedDict() */
  orderedDict(): this {
    return this.global('collections', 'OrderedDict').emptyTuple().reduce();
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function contiguousStrides(shape: number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i];
  }
  return stride;
}

/** The data.pkl of a state dict whose tensor i lives in storage key `i`. */
export function pickleStateDict(tensors: Map<string, HostTensor>): Buffer {
  const p = new PickleWriter().proto().orderedDict().mark();
  let key = 0;
  for (const [name, t] of tensors) {
    const storage = STORAGE_NAMES[t.dtype];
    if (!storage) throw new Error(`pickleStateDict: ${name}: dtype ${t.dtype} has no torch storage`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    p.str(name).global('torch._utils', '_rebuild_tensor_v2');
    p.mark().mark().str('storage').global('torch', storage).str(String(key++)).str('cpu').int(n).tuple().binpersid();
    p.int(0).ints(t.shape).ints(contiguousStrides(t.shape)).newFalse().orderedDict().tuple().reduce();
  }
  return p.setitems().stop().bytes();
}

const ALIGN = 64;

/** Zip entries, stored uncompressed, each entry's data starting at a multiple of 64 bytes. */
function zipStored(entries: Array<{ name: string; data: Uint8Array }>): Buffer[] {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = zlib.crc32(e.data) >>> 0;
    const base = offset + 30 + name.length;
    // an extra field ('FB' + length + padding) moves the data to the next 64-byte boundary, as torch does
    const pad = (ALIGN - ((base + 4) % ALIGN)) % ALIGN;
    const extra = Buffer.alloc(4 + pad);
    extra.writeUInt16LE(0x4246, 0);
    extra.writeUInt16LE(pad, 2);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    local.copy(cd, 8, 6, 26); // flags … sizes, as in the local header
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    out.push(local, name, extra, Buffer.from(e.data.buffer, e.data.byteOffset, e.data.length));
    offset += 30 + name.length + extra.length + e.data.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  if (offset + cdSize > 0xffffffff || entries.length > 0xffff) throw new Error('torch.save writer: the archive exceeds 4 GiB (zip64 is not written)');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return [...out, ...central, end];
}

/** Writes `tensors` (PyTorch names and layouts) to `file` as torch.save would, atomically. */
export async function writeTorchStateDict(file: string, tensors: Map<string, HostTensor>): Promise<void> {
  const entries = [{ name: 'archive/data.pkl', data: pickleStateDict(tensors) as Uint8Array }];
  let key = 0;
  for (const t of tensors.values()) entries.push({ name: `archive/data/${key++}`, data: encodeLE(t) });
  entries.push({ name: 'archive/version', data: Buffer.from('3\n') });
  await atomicWrite(file, zipStored(entries));
}
