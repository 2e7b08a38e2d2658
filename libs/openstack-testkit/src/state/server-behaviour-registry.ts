// How fake servers move BUILD -> ACTIVE (or ERROR) and which address they get: one default set by
// the test plus overrides by server-name prefix, merged over the default from the shortest matching
// prefix to the longest (so a longer prefix wins field by field). A field nobody set falls back to
// the profile's base timing when it is read (`timing()`).
import type { ServerBehaviour } from '../fake-openstack.types';

/**
 * What a server does when no test said otherwise (the reference profile; the devcloud profile
 * has its own, state/cloud-profile.ts). Real Nova (Debian Zed devcloud) answers the first GET
 * after create with BUILD (task_state scheduling, no addresses) and only later ACTIVE, so one GET
 * answers BUILD here too (captures/nova/21-server-get-build-2.79.txt); os-stop/os-start show
 * powering-off/on briefly (33b-server-get-stopping.txt). DELETE shows both phases the devcloud
 * shows (task_state `deleting`, then status DELETED, then 404; captures/nova/40b-*, 41-*), only
 * shorter, so a caller that treats the DELETE's 204 as "gone" fails here as it would on Nova.
 */
export const DEFAULT_SERVER_BEHAVIOUR = Object.freeze({
  bootDelayMs: 0,
  pollsUntilActive: 1,
  addressDelayMs: 0,
  actionDelayMs: 100,
  deleteDelayMs: 30,
  deletedStatusMs: 30,
});

export type ServerTiming = { -readonly [K in keyof typeof DEFAULT_SERVER_BEHAVIOUR]: number };

export class ServerBehaviourRegistry {
  private defaults: ServerBehaviour = {};
  private readonly byPrefix = new Map<string, ServerBehaviour>();

  /** `base`: the timing of a server no test configured (the profile's). */
  constructor(private readonly base: ServerTiming = { ...DEFAULT_SERVER_BEHAVIOUR }) {}

  /** The timing fields of a resolved behaviour, the base filled in where unset. */
  timing(behaviour: ServerBehaviour): ServerTiming {
    const out: ServerTiming = { ...this.base };
    for (const key of Object.keys(out) as (keyof ServerTiming)[]) {
      const value = behaviour[key];
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  set(behaviour: ServerBehaviour, namePrefix?: string): void {
    validateBehaviour(behaviour, namePrefix);
    if (namePrefix === undefined) this.defaults = { ...behaviour };
    else this.byPrefix.set(namePrefix, { ...behaviour });
  }

  reset(): void {
    this.defaults = {};
    this.byPrefix.clear();
  }

  resolve(serverName: string): ServerBehaviour {
    const matching = [...this.byPrefix.keys()]
      .filter((prefix) => serverName.startsWith(prefix))
      .sort((a, b) => a.length - b.length);
    return matching.reduce<ServerBehaviour>(
      (merged, prefix) => ({ ...merged, ...this.byPrefix.get(prefix) }),
      this.defaults,
    );
  }
}

const DURATION_FIELDS = [
  'bootDelayMs',
  'addressDelayMs',
  'actionDelayMs',
  'deleteDelayMs',
  'deletedStatusMs',
] as const;

function validateBehaviour(behaviour: ServerBehaviour, namePrefix: string | undefined): void {
  const where =
    namePrefix === undefined
      ? 'setServerBehaviour()'
      : `setServerBehaviour(…, { namePrefix: ${JSON.stringify(namePrefix)} })`;
  for (const field of DURATION_FIELDS) {
    const value = behaviour[field];
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      throw new Error(
        `${where}: ${field} must be a number of milliseconds >= 0 (Infinity allowed), got ${String(value)}`,
      );
    }
  }
  const polls = behaviour.pollsUntilActive;
  if (polls !== undefined && !(Number.isInteger(polls) && polls >= 0)) {
    throw new Error(`${where}: pollsUntilActive must be an integer >= 0, got ${String(polls)}`);
  }
}
