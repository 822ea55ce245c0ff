/** resdet's public API. */
export { initBackend, backendChoice } from './engine/backend';
export { batchNormTrain, batchNormInference } from './engine/ops/batch_norm';
