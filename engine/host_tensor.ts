/**
 * HostTensor: a tensor in plain JS memory, as read from or written to a weights file.
 *
 * `dtype` is the element type in the file; `data` is the in-memory representation, row-major and
 * contiguous, with exactly prod(shape) elements:
 *   float32, float16, bfloat16 -> Float32Array (half types are widened on read, narrowed on write)
 *   float64 -> Float64Array
 *   int64   -> BigInt64Array (lossless; use toFloat32/toNumbers for arithmetic)
 *   int32   -> Int32Array,  int16 -> Int16Array,  int8 -> Int8Array
 *   uint8   -> Uint8Array,  bool  -> Uint8Array holding 0/1
 */
export type HostDType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type HostData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array;

export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  data: HostData;
}

/** Bytes per element as stored in a file. */
export const DTYPE_BYTES: Record<HostDType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Error about a weights file; the message starts with the file's path. */
export class WeightsFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'WeightsFileError';
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Allocate the in-memory array type used for `dtype` (see the table above). */
export function allocData(dtype: HostDType, n: number): HostData {
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int16': return new Int16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

/** The values as a Float32Array (the same array when already float32-backed, otherwise a converted copy). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  const out = new Float32Array(t.data.length);
  if (t.data instanceof BigInt64Array) {
    for (let i = 0; i < out.length; i++) out[i] = Number(t.data[i]);
  } else {
    out.set(t.data as ArrayLike<number>);
  }
  return out;
}

/** The values as plain JS numbers (int64 beyond 2^53 loses precision). */
export function toNumbers(t: HostTensor): number[] {
  if (t.data instanceof BigInt64Array) return Array.from(t.data, (v) => Number(v));
  return Array.from(t.data as ArrayLike<number>);
}

// ---- half-precision conversions (shared by the safetensors and .pth readers) ----

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToF32(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

export function f32ToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff; // NaN stays NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff; // round to nearest even
}

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (r & 1))) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) {
    r++;
    if (r === 0x400) { r = 0; e++; if (e >= 31) return sign | 0x7c00; }
  }
  return sign | (e << 10) | r;
}

/**
 * Decode `n` little-endian elements of `dtype` from `bytes` into a fresh array of the in-memory type.
 * `bytes` may be at any byte offset (unaligned input is copied first).
 */
export function decodeLE(dtype: HostDType, bytes: Uint8Array, n: number): HostData {
  const nb = n * DTYPE_BYTES[dtype];
  if (bytes.length < nb) throw new Error(`need ${nb} bytes for ${n} ${dtype} values, have ${bytes.length}`);
  const raw = new Uint8Array(nb);
  raw.set(bytes.subarray(0, nb));
  const buf = raw.buffer;
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'float64': return new Float64Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int16': return new Int16Array(buf);
    case 'int8': return new Int8Array(buf);
    case 'uint8': return raw;
    case 'bool': { for (let i = 0; i < n; i++) raw[i] = raw[i] ? 1 : 0; return raw; }
    case 'float16': case 'bfloat16': {
      const h = new Uint16Array(buf);
      const out = new Float32Array(n);
      const conv = dtype === 'float16' ? f16ToF32 : bf16ToF32;
      for (let i = 0; i < n; i++) out[i] = conv(h[i]);
      return out;
    }
  }
}

/** Encode a tensor's values as little-endian bytes of its dtype (converting the data array if needed). */
export function encodeLE(t: HostTensor): Uint8Array {
  const n = numel(t.shape);
  if (t.data.length !== n) {
    throw new Error(`tensor of shape [${t.shape}] needs ${n} values, data has ${t.data.length}`);
  }
  const src = t.data;
  const num = (i: number): number => (src instanceof BigInt64Array ? Number(src[i]) : (src as ArrayLike<number>)[i]);
  let out: HostData | Uint16Array;
  switch (t.dtype) {
    case 'float32': out = src instanceof Float32Array ? src : Float32Array.from({ length: n }, (_, i) => num(i)); break;
    case 'float64': out = src instanceof Float64Array ? src : Float64Array.from({ length: n }, (_, i) => num(i)); break;
    case 'int64':
      out = src instanceof BigInt64Array ? src : BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(num(i))));
      break;
    case 'int32': out = src instanceof Int32Array ? src : Int32Array.from({ length: n }, (_, i) => num(i)); break;
    case 'int16': out = src instanceof Int16Array ? src : Int16Array.from({ length: n }, (_, i) => num(i)); break;
    case 'int8': out = src instanceof Int8Array ? src : Int8Array.from({ length: n }, (_, i) => num(i)); break;
    case 'uint8': out = src instanceof Uint8Array ? src : Uint8Array.from({ length: n }, (_, i) => num(i)); break;
    case 'bool': out = Uint8Array.from({ length: n }, (_, i) => (num(i) ? 1 : 0)); break;
    case 'float16': case 'bfloat16': {
      const conv = t.dtype === 'float16' ? f32ToF16 : f32ToBf16;
      out = Uint16Array.from({ length: n }, (_, i) => conv(num(i)));
      break;
    }
    default: throw new Error(`unsupported dtype ${String(t.dtype)}`);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function isHostTensor(x: unknown): x is HostTensor {
  const t = x as HostTensor;
  return !!t && typeof t === 'object' && typeof t.dtype === 'string' && Array.isArray(t.shape) && ArrayBuffer.isView(t.data);
}
