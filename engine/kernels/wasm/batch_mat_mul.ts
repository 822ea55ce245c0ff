/**
 * Matrix products on the wasm backend, replacing two of its kernels:
 * - BatchMatMul with a transposed operand: wasm's runs it as a scalar loop, 15-40x slower than XNNPACK (measured at
 *   256x1568x256: 75-165 ms against 4-9 ms with the operand transposed first). Every dense layer's backward pass
 *   asks for one (dW = xᵀ·dy, dx = dy·Wᵀ): in the demo's training step they were 59 % of the kernel time. The
 *   operand is transposed by wasm's Transpose kernel, then the product runs without transposes (XNNPACK);
 * - _FusedMatMul (tf.fused.matMul): wasm's adds the bias to the wrong columns whenever the product is batched or an
 *   operand is transposed (checked against the cpu backend). It is the product above, then wasm's Add with the bias
 *   and the activation's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, dispose, runKernelConfig, runWasmKernel, WasmBackend } from './wasm_util';

type TensorInfo = tf.TensorInfo;

interface MatMulAttrs { transposeA: boolean; transposeB: boolean }
interface FusedAttrs extends MatMulAttrs { activation?: string; leakyreluAlpha?: number }

/** BatchMatMul as wasm registered it when this is called, wrapped to transpose its operands itself. */
export function untransposedMatMulConfig(): tf.KernelConfig | null {
  const own = tf.getKernel('BatchMatMul', 'wasm');
  if (!own) return null;
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      return product(own, asWasm(backend), a, b, attrs as unknown as MatMulAttrs);
    },
  };
}

/** _FusedMatMul on wasm: the product (as above), plus the bias, through the activation. */
export function fusedMatMulConfig(): tf.KernelConfig | null {
  const own = tf.getKernel('BatchMatMul', 'wasm');
  if (!own) return null;
  return {
    kernelName: '_FusedMatMul',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = asWasm(backend);
      const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
      const at = attrs as unknown as FusedAttrs;
      let y = product(own, be, a!, b!, at);
      if (bias) y = replace(be, y, runWasmKernel('Add', be, { a: y, b: bias }, {}));
      return activate(be, y, at, preluActivationWeights);
    },
  };
}

/** a·b with the transposes `attrs` asks for, on wasm's untransposed kernel `own`. */
function product(own: tf.KernelConfig, be: WasmBackend, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): TensorInfo {
  const at = attrs.transposeA ? swapLastTwo(be, a) : a;
  const bt = attrs.transposeB ? swapLastTwo(be, b) : b;
  try {
    return runKernelConfig(own, be, { a: at, b: bt }, { transposeA: false, transposeB: false });
  } finally {
    if (at !== a) dispose(be, at);
    if (bt !== b) dispose(be, bt);
  }
}

const ACTIVATION_KERNELS: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid' };

function activate(be: WasmBackend, y: TensorInfo, attrs: FusedAttrs, prelu: TensorInfo | undefined): TensorInfo {
  const act = attrs.activation ?? 'linear';
  if (act === 'linear') return y;
  if (act === 'prelu') return replace(be, y, runWasmKernel('Prelu', be, { x: y, alpha: prelu! }, {}));
  if (act === 'leakyrelu') return replace(be, y, runWasmKernel('LeakyRelu', be, { x: y }, { alpha: attrs.leakyreluAlpha ?? 0.2 }));
  const kernel = ACTIVATION_KERNELS[act];
  if (!kernel) throw new Error(`_FusedMatMul: unknown activation '${act}'`);
  return replace(be, y, runWasmKernel(kernel, be, { x: y }, {}));
}

/** `next`, after freeing `prev` (an intermediate result of this kernel). */
function replace(be: WasmBackend, prev: TensorInfo, next: TensorInfo): TensorInfo {
  dispose(be, prev);
  return next;
}

/** `t` with its last two axes swapped (a new tensor on the heap). */
function swapLastTwo(be: WasmBackend, t: TensorInfo): TensorInfo {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return runWasmKernel('Transpose', be, { x: t }, { perm });
}
