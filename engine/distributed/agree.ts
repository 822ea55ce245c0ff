/** Decisions every process of a job must take together (stop after this step?): one small all-reduce. */
import { World } from './world';

/** True on every process when `flag` is true on any of them. */
export function agreeAny(world: World, flag: boolean): boolean {
  const v = new Float32Array([flag ? 1 : 0]);
  world.allreduceSum(v);
  return v[0] > 0;
}
