import { InstanceSnapshot, METADATA_STATE_KEY } from '../../providers/instance-provider';

/**
 * A warm-pool server's `osa:state` metadata, written BEFORE each step so that a controller killed
 * at any point leaves the next one enough to finish the step or roll it back:
 *
 *   warming   created for the pool, booting / health-checking / powering off
 *   warm      SHUTOFF (or shelved), in the pool
 *   starting  taken by a launch: os-start (or unshelve) sent or about to be
 *   in-service  admitted after a warm start (from here on an instance like any other)
 */
export const WARM_STATES = ['warming', 'warm', 'starting', 'in-service'] as const;
export type WarmMetadataState = (typeof WARM_STATES)[number];

export function warmStateOf(
  snapshot: Pick<InstanceSnapshot, 'metadata'>,
): WarmMetadataState | undefined {
  const value = snapshot.metadata[METADATA_STATE_KEY];
  return (WARM_STATES as readonly string[]).includes(value)
    ? (value as WarmMetadataState)
    : undefined;
}

/** What restart recovery does with one server of the group, as far as the warm pool is concerned. */
export type WarmRecoveryVerdict =
  /** Not a warm-pool server (or one already in service): the ordinary recovery judges it. */
  | { readonly kind: 'not-warm' }
  /** Stopped and marked warm: back in the pool as it was. */
  | { readonly kind: 'keep-warm' }
  /** Taken but still stopped (killed between the mark and os-start, or before it took effect): back to warm. */
  | { readonly kind: 'roll-back-to-warm' }
  /** Taken and already running: the start is finished by adopting it like any ACTIVE server (marked in-service). */
  | { readonly kind: 'finish-start' }
  /** A fill that did not finish, or a warm server in a state it should never be in: deleted (the pool refills). */
  | { readonly kind: 'delete'; readonly why: string };

/** Pure: the verdict for one group server at start-up (docs/architecture.md "Warm pool"). */
export function judgeWarmServer(snapshot: InstanceSnapshot): WarmRecoveryVerdict {
  const state = warmStateOf(snapshot);
  if (state === undefined || state === 'in-service') return { kind: 'not-warm' };
  const { status } = snapshot;
  if (status === 'DELETED') return { kind: 'not-warm' };
  switch (state) {
    case 'warming':
      return { kind: 'delete', why: `a warm-pool fill was interrupted (${status}): rolled back` };
    case 'warm':
      return status === 'SHUTOFF'
        ? { kind: 'keep-warm' }
        : { kind: 'delete', why: `marked warm but ${status}` };
    case 'starting':
      if (status === 'SHUTOFF') return { kind: 'roll-back-to-warm' };
      if (status === 'ACTIVE' || status === 'BUILD') return { kind: 'finish-start' };
      return { kind: 'delete', why: `taken from the warm pool but ${status}` };
  }
}

/** A warm server as the pool plans with it. */
export interface WarmMemberView {
  readonly id: string;
  readonly imageId: string | undefined;
  /** Creation time, epoch ms (oldest first for replacement). */
  readonly createdEpochMs: number;
}

export interface WarmPoolPlanInput {
  readonly size: number;
  readonly members: readonly WarmMemberView[];
  /** Fills in progress (each will become a member). */
  readonly filling: number;
  /** Warm servers being deleted because they were stale (at most one at a time). */
  readonly replacing: number;
  /** The golden image a create would use now; undefined when it could not be found this time. */
  readonly currentImageId: string | undefined;
  /** Monotonic ms before which no refill may start (back-off after a failure or a quota refusal). */
  readonly refillNotBeforeMs: number;
  readonly stopping: boolean;
  readonly recovered: boolean;
}

export type WarmPoolPlan = {
  /** Fills to start now. */
  readonly fill: number;
  /** Warm servers to delete now, oldest first: those above `size`, and the oldest stale one (replaced by a fill). */
  readonly remove: readonly WarmMemberView[];
  /** Why fills are held, if they are. */
  readonly held?: 'backing-off' | 'not-recovered' | 'stopping';
};

/** Pure: what the pool does now. Stale servers are replaced one at a time, oldest first, never adding above `size`. */
export function planWarmPool(input: WarmPoolPlanInput, nowMs: number): WarmPoolPlan {
  if (input.stopping) return { fill: 0, remove: [], held: 'stopping' };
  if (!input.recovered) return { fill: 0, remove: [], held: 'not-recovered' };
  const oldestFirst = [...input.members].sort((a, b) => a.createdEpochMs - b.createdEpochMs);
  const remove = oldestFirst.slice(0, Math.max(0, input.members.length - input.size));
  const isStale = (member: WarmMemberView): boolean =>
    input.currentImageId !== undefined &&
    member.imageId !== undefined &&
    member.imageId !== input.currentImageId;
  const stale = oldestFirst.find((member) => isStale(member) && !remove.includes(member));
  if (stale && input.replacing === 0) remove.push(stale);
  const missing = Math.max(0, input.size - (input.members.length - remove.length) - input.filling);
  if (missing > 0 && nowMs < input.refillNotBeforeMs)
    return { fill: 0, remove, held: 'backing-off' };
  return { fill: missing, remove };
}

/** Pure: which warm server a launch takes: one from the current image, oldest first; never a stale one. */
export function chooseWarmServer(
  members: readonly WarmMemberView[],
  currentImageId: string | undefined,
): WarmMemberView | undefined {
  return [...members]
    .filter(
      (member) =>
        currentImageId === undefined ||
        member.imageId === undefined ||
        member.imageId === currentImageId,
    )
    .sort((a, b) => a.createdEpochMs - b.createdEpochMs)[0];
}
