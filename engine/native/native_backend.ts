/**
 * The `native` tfjs backend: tfjs-cpu's TypedArray storage and kernels, with resdet's oneDNN addon behind
 * the kernels that matter (engine/native/kernels/). Outputs of native kernels come from a buffer pool
 * (buffer_pool.ts); every path that hands a backend array out (readSync, hence dataSync / data /
 * arraySync, and arrays written under a second data id) marks it escaped so it is never reused. Disposing
 * data also frees the addon's copy of it in convolution-weight layout (weight_ids.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { BufferPool } from './buffer_pool';
import { seenAsFilter, takeWeightId } from './weight_ids';
import { nativeAddon } from './addon';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu') as {
  MathBackendCPU: new () => tf.KernelBackend & CpuInternals;
};

interface CpuInternals {
  data: { get(id: object): { values?: unknown } | undefined; has(id: object): boolean };
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object;
  move(dataId: object, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void;
  readSync(dataId: object): tf.backend_util.BackendValues;
  refCount(dataId: object): number;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool();
  private allocating: unknown = null;

  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false; // no tfjs-node advertisement
  }

  /** A float32 output tensor backed by a pooled array (contents arbitrary: the kernel writes all of it). */
  allocF32(shape: number[]): { info: tf.TensorInfo; values: Float32Array } {
    const values = this.pool.take(shape.reduce((a, b) => a * b, 1));
    this.allocating = values;
    try {
      return { info: this.makeTensorInfo(shape, 'float32', values), values };
    } finally {
      this.allocating = null;
    }
  }

  /** The float32 storage of a tensor, or null when it is not a float32 array. */
  f32(t: tf.TensorInfo): Float32Array | null {
    if (t.dtype !== 'float32') return null;
    const v = this.data.get(t.dataId)?.values;
    return v instanceof Float32Array ? v : null;
  }

  /**
   * target += x in target's own storage — the one exception to "data never changes under a data id", for a caller
   * that holds the only handle on target and would dispose it right after a sum (the lean backward pass's
   * gradient sums: one array fewer at the moment of the sum). Returns false, having done nothing, unless both are
   * float32 arrays of one shape, target's data has one reference, is an array of the pool that was never handed
   * out, and was never used as a filter.
   */
  addInto(target: tf.TensorInfo, x: tf.TensorInfo): boolean {
    const tv = this.f32(target), xv = this.f32(x);
    const addon = nativeAddon();
    if (!tv || !xv || !addon || tv.length !== xv.length || target.shape.join() !== x.shape.join()) return false;
    if (target.dataId === x.dataId || !this.mayOverwrite(target)) return false;
    const strides = [1];
    addon.binary(0, tv, strides, xv, strides, tv, [tv.length]);
    return true;
  }

  /**
   * Whether a kernel may write into t's storage, for a caller that holds the only handle on t and will not read it
   * again: a float32 array of the pool that was never handed out (read out, written by a caller), whose data
   * has one reference and was never used as a filter.
   */
  mayOverwrite(t: tf.TensorInfo): boolean {
    const v = this.f32(t);
    return v !== null && this.refCount(t.dataId) === 1 && this.pool.isPrivate(v) && !seenAsFilter(t.dataId);
  }

  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): object {
    if (values !== this.allocating) this.pool.escape(values);
    return super.write(values, shape, dtype);
  }

  move(dataId: object, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.pool.escape(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  readSync(dataId: object): tf.backend_util.BackendValues {
    this.pool.escape(this.data.get(dataId)?.values);
    return super.readSync(dataId);
  }

  disposeData(dataId: object, force = false): boolean {
    const values = this.data.get(dataId)?.values;
    const released = super.disposeData(dataId, force);
    if (released && !this.data.has(dataId)) {
      if (values !== undefined) this.pool.give(values);
      const wid = takeWeightId(dataId);
      if (wid > 0) nativeAddon()?.releaseWeights(wid);
    }
    return released;
  }
}

let registered = false;

/**
 * Registers the `native` backend and, under its name, a copy of every kernel tfjs-cpu registers (tfjs
 * does not fall back kernel by kernel), then resdet's native kernels over them.
 */
export function registerNativeBackend(nativeKernels: () => tf.KernelConfig[]): void {
  if (registered) return;
  registered = true;
  tf.registerBackend('native', () => new NativeBackend(), 0);
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(k.kernelName, 'native')) continue;
    tf.registerKernel({ ...k, backendName: 'native' });
  }
  for (const k of nativeKernels()) {
    if (tf.getKernel(k.kernelName, 'native')) tf.unregisterKernel(k.kernelName, 'native');
    tf.registerKernel(k);
  }
}
