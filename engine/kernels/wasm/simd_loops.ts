/**
 * Tiny WebAssembly SIMD loops over the wasm backend's own heap, for kernels written in JavaScript whose
 * inner loop is a multiply-add over channels (RoIAlign's forward and backward) or a row of box IoUs:
 *
 *   set4(o, p0, p1, p2, p3, w0, w1, w2, w3, n):  y[o+i] = w0*x[p0+i] + w1*x[p1+i] + w2*x[p2+i] + w3*x[p3+i]
 *   add4(same):                                  y[o+i] += ...
 *   axpy(o, p, w, n):                            y[o+i] += w*x[p+i]
 *   iou(a, n, bx1, by1, bx2, by2, barea, end, out, rowBytes): box IoU rows (torchvision's float32 arithmetic)
 *
 * Arguments are byte addresses in the heap; n is a byte count, a positive multiple of 16 (f32x4 lanes).
 * The module imports tfjs-wasm's WebAssembly.Memory, so it reads and writes tensors in place. It is built
 * here byte by byte (a few dozen instructions) rather than shipped as a binary.
 */

export interface SimdLoops {
  /**
   * For each of the n boxes at `a` (xyxy): one output row at `out` (rows rowBytes apart) of IoUs with the
   * boxes given as column arrays bx1..barea (area), `end` bytes of them (a positive multiple of 16).
   */
  iou(a: number, n: number, bx1: number, by1: number, bx2: number, by2: number, barea: number, end: number, out: number, rowBytes: number): void;
  set4(o: number, p0: number, p1: number, p2: number, p3: number, w0: number, w1: number, w2: number, w3: number, n: number): void;
  add4(o: number, p0: number, p1: number, p2: number, p3: number, w0: number, w1: number, w2: number, w3: number, n: number): void;
  axpy(o: number, p: number, w: number, n: number): void;
}

const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const splat = [0xfd, 0x13];
const load = [0xfd, 0x00, 0x02, 0x00];
const store = [0xfd, 0x0b, 0x02, 0x00];
const fadd = [0xfd, 0xe4, 0x01];
const fmul = [0xfd, 0xe6, 0x01];
const fsub = [0xfd, 0xe5, 0x01];
const fdiv = [0xfd, 0xe7, 0x01];
const fmin = [0xfd, 0xe8, 0x01];
const fmax = [0xfd, 0xe9, 0x01];
const f32load = (offset: number) => [0x2a, 0x02, offset];
const i32add = [0x6a];
/** address `base + i` on the stack */
const addr = (base: number, i: number) => [...get(base), ...get(i), ...i32add];
/** do { body; i += 16 } while (i < n) */
const loop = (i: number, n: number, body: number[]) => [0x03, 0x40, ...body, ...get(i), 0x41, 0x10, ...i32add, 0x22, i, ...get(n), 0x49, 0x0d, 0x00, 0x0b];

function vec(items: number[][]): number[] {
  return [items.length, ...items.flat()];
}
/** unsigned LEB128 length of `body` */
function sizeOf(body: number[]): number[] {
  const out: number[] = [];
  let v = body.length;
  do {
    out.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return out;
}
const section = (id: number, body: number[]) => [id, ...sizeOf(body), ...body];
const fnBody = (locals: number[][], code: number[]) => {
  const body = [...vec(locals), ...code, 0x0b];
  return [...sizeOf(body), ...body];
};
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/** set4/add4: params o=0, p0..p3=1..4, w0..w3=5..8, n=9; locals i=10, v0..v3=11..14 */
function mad4(accumulate: boolean): number[] {
  const code: number[] = [];
  for (let k = 0; k < 4; k++) code.push(...get(5 + k), ...splat, ...set(11 + k));
  const body = [...addr(0, 10)];
  if (accumulate) body.push(...addr(0, 10), ...load);
  for (let k = 0; k < 4; k++) {
    body.push(...addr(1 + k, 10), ...load, ...get(11 + k), ...fmul);
    if (k > 0) body.push(...fadd);
  }
  if (accumulate) body.push(...fadd);
  body.push(...store);
  code.push(...loop(10, 9, body));
  return fnBody([[1, I32], [4, V128]], code);
}

/** axpy: params o=0, p=1, w=2, n=3; locals i=4, v=5 */
function axpyBody(): number[] {
  const body = [...addr(0, 4), ...addr(0, 4), ...load, ...addr(1, 4), ...load, ...get(5), ...fmul, ...fadd, ...store];
  return fnBody([[1, I32], [1, V128]], [...get(2), ...splat, ...set(5), ...loop(4, 3, body)]);
}

/**
 * iou: params a=0, n=1, bx1=2, by1=3, bx2=4, by2=5, barea=6, end=7, out=8, rowBytes=9;
 * locals q=10 (i32), ax1..ay2=11..14, areaA=15, w=16, inter=17, zero=18 (v128, zero-initialised).
 * Per lane: w = max(min(ax2,bx2) - max(ax1,bx1), 0), likewise h, inter = w*h,
 * iou = inter / (areaA + areaB - inter): torch's ops in torch's order, in float32.
 */
function iouBody(): number[] {
  const lane = (ptr: number) => [...addr(ptr, 10), ...load];
  const cols = [
    ...get(13), ...lane(4), ...fmin, ...get(11), ...lane(2), ...fmax, ...fsub, ...get(18), ...fmax, ...set(16),
    ...get(14), ...lane(5), ...fmin, ...get(12), ...lane(3), ...fmax, ...fsub, ...get(18), ...fmax,
    ...get(16), ...fmul, ...set(17),
    ...addr(8, 10),
    ...get(17), ...get(15), ...lane(6), ...fadd, ...get(17), ...fsub, ...fdiv, ...store,
  ];
  const rows = [0x03, 0x40];
  for (let k = 0; k < 4; k++) rows.push(...get(0), ...f32load(4 * k), ...splat, ...set(11 + k));
  rows.push(...get(13), ...get(11), ...fsub, ...get(14), ...get(12), ...fsub, ...fmul, ...set(15));
  rows.push(0x41, 0x00, ...set(10), ...loop(10, 7, cols));
  rows.push(...get(0), 0x41, 0x10, ...i32add, ...set(0), ...get(8), ...get(9), ...i32add, ...set(8));
  rows.push(...get(1), 0x41, 0x01, 0x6b, 0x22, 1, 0x0d, 0x00, 0x0b);
  return fnBody([[1, I32], [8, V128]], rows);
}

function moduleBytes(): Uint8Array {
  const t4 = [0x60, 10, I32, I32, I32, I32, I32, F32, F32, F32, F32, I32, 0];
  const t1 = [0x60, 4, I32, I32, F32, I32, 0];
  const t2 = [0x60, 10, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, 0];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([t4, t1, t2])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [0], [1], [2]])),
    ...section(7, vec([[...name('set4'), 0x00, 0], [...name('add4'), 0x00, 1], [...name('axpy'), 0x00, 2], [...name('iou'), 0x00, 3]])),
    ...section(10, [4, ...mad4(false), ...mad4(true), ...axpyBody(), ...iouBody()]),
  ];
  return Uint8Array.from(bytes);
}

/** The little of the WebAssembly JS API used here (the compile target's lib has no declarations for it). */
type WasmMemory = { readonly buffer: ArrayBuffer };
const WA = (globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: unknown };
    Memory: abstract new (...args: never[]) => WasmMemory;
  };
}).WebAssembly;

let compiled: object | null = null;
const instances = new WeakMap<WasmMemory, SimdLoops>();

/** The loops bound to `memory` (tfjs-wasm's heap), or null when this runtime has no wasm SIMD. */
export function simdLoops(memory: WasmMemory): SimdLoops | null {
  const have = instances.get(memory);
  if (have) return have;
  try {
    compiled ??= new WA.Module(moduleBytes());
    const inst = new WA.Instance(compiled, { env: { memory } });
    const fns = inst.exports as unknown as SimdLoops;
    instances.set(memory, fns);
    return fns;
  } catch {
    return null;
  }
}

/** tfjs-wasm's heap memory of a wasm backend object, if it exposes one. */
export function wasmHeapMemory(backend: unknown): WasmMemory | null {
  const mem = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return mem instanceof WA.Memory ? mem : null;
}
