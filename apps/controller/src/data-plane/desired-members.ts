import { PoolInstance } from '../pool/pool-instance';
import { DataPlaneMember } from '../seams/data-plane';

/** Every `ready` member gets the same share (pool mode balances by the data plane's algorithm). */
export const MEMBER_WEIGHT = 100;

/**
 * The member set an external data plane should have, from the pool and the traffic selector:
 * instances the selector serves are `ready`; other admitted ones (switch mode's previous
 * instance, ejected ones) are in `maint`; an instance being removed is in `drain` until it
 * leaves the pool. Instances still launching are not members yet.
 */
export function desiredMembers(
  instances: readonly PoolInstance[],
  serving: ReadonlySet<string>,
): DataPlaneMember[] {
  const members: DataPlaneMember[] = [];
  for (const instance of instances) {
    if (!instance.backend) continue;
    if (instance.phase === 'deleting')
      members.push({ backend: instance.backend, state: 'drain', weight: MEMBER_WEIGHT });
    else if (instance.phase === 'admitted')
      members.push({
        backend: instance.backend,
        state: serving.has(instance.id) ? 'ready' : 'maint',
        weight: MEMBER_WEIGHT,
      });
  }
  return members;
}
