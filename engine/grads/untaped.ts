/**
 * Runs f without recording its ops on an active gradient tape: for work inside a loss function that no gradient
 * flows through — batch norm's running statistics, regression targets computed from constants. tfjs records
 * every op of a forward pass and keeps a clone of each tensor the op's gradient would need until the backward
 * pass ends (an Identity kernel per saved tensor); the demo detector's batch-norm updates alone were 140 recorded
 * ops and 200 clones a step. The ops compute the same values either way; only the bookkeeping goes.
 * Gradients cannot flow through what f returns: use it for values that are constants to the loss.
 */
import * as tf from '@tensorflow/tfjs';

interface EngineState {
  state: { kernelDepth: number };
}

export function untaped<T>(f: () => T): T {
  // the engine records ops only while no kernel is running (isTapeOn: gradientDepth > 0 && kernelDepth === 0);
  // this is how it keeps a kernel's own inner ops off the tape
  const { state } = tf.engine() as unknown as EngineState;
  state.kernelDepth++;
  try {
    return f();
  } finally {
    state.kernelDepth--;
  }
}
