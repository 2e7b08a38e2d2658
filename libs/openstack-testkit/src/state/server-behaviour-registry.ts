// How fake servers move BUILD -> ACTIVE (or ERROR) and which address they get: one default
// plus overrides by server-name prefix (the longest matching prefix wins, merged over the default).
import type { ServerBehaviour } from '../fake-openstack.types';

export class ServerBehaviourRegistry {
  private defaults: ServerBehaviour = {};
  private readonly byPrefix = new Map<string, ServerBehaviour>();

  set(behaviour: ServerBehaviour, namePrefix?: string): void {
    if (namePrefix === undefined) this.defaults = { ...behaviour };
    else this.byPrefix.set(namePrefix, { ...behaviour });
  }

  reset(): void {
    this.defaults = {};
    this.byPrefix.clear();
  }

  resolve(serverName: string): ServerBehaviour {
    let best: string | undefined;
    for (const prefix of this.byPrefix.keys()) {
      if (serverName.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    }
    return best === undefined ? this.defaults : { ...this.defaults, ...this.byPrefix.get(best) };
  }
}
