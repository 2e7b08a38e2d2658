import { ScaleInSelection } from '../../config/scale-in.config';
import { PoolInstance } from '../../pool/pool-instance';
import { zoneCrowding } from '../../providers/placement/zone-choice';

export interface ScaleInChoice {
  readonly selection: ScaleInSelection;
  readonly protectOriginal: boolean;
  /** Availability zone of an instance, when zones are spread (provider.openstack.availabilityZones): the most crowded zone loses first. */
  readonly zoneOf?: (instanceId: string) => string | undefined;
}

/**
 * Which admitted instances a scale-in removes, best candidates first: instances out of rotation
 * (ejected) before healthy ones, then the newest (`newest`) or the one with the fewest requests in
 * flight, newest first on a tie (`least-loaded`). The original is skipped when protected.
 * Never-below-minimum is the desired count's job, not this function's.
 */
export function chooseScaleInVictims(
  admitted: readonly PoolInstance[],
  count: number,
  choice: ScaleInChoice,
): PoolInstance[] {
  const candidates = admitted.filter(
    (instance) =>
      instance.phase === 'admitted' && !(choice.protectOriginal && instance.role === 'original'),
  );
  const newestFirst = (a: PoolInstance, b: PoolInstance): number => admittedAt(b) - admittedAt(a);
  const crowding = choice.zoneOf ? zoneCrowding(admitted, choice.zoneOf) : undefined;
  const ordered = [...candidates].sort((a, b) => {
    const ejected = Number(b.health === 'ejected') - Number(a.health === 'ejected');
    if (ejected !== 0) return ejected;
    const crowded = (crowding?.get(b.id) ?? 0) - (crowding?.get(a.id) ?? 0);
    if (crowded !== 0) return crowded;
    if (choice.selection === 'least-loaded' && a.inFlight !== b.inFlight)
      return a.inFlight - b.inFlight;
    return newestFirst(a, b);
  });
  return ordered.slice(0, Math.max(0, count));
}

function admittedAt(instance: PoolInstance): number {
  return instance.admittedAtMs ?? instance.registeredAtMs;
}
