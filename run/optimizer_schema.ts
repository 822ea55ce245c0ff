/**
 * The solver keys that choose and tune the optimizer, shared by the classifier's and the detector's config
 * schemas: `optimizer` (sgd | adam | adamw, engine/optim/optimizer.ts), Adam's `betas` [β1, β2] and `eps`.
 */
import { OPTIMIZERS } from '../engine/optim/optimizer';

export const OPTIMIZER_SCHEMA_KEYS = {
  optimizer: { enum: [...OPTIMIZERS] },
  betas: { type: 'array', items: { type: 'number', minimum: 0, exclusiveMaximum: 1 }, minItems: 2, maxItems: 2 },
  eps: { type: 'number', exclusiveMinimum: 0 },
};
