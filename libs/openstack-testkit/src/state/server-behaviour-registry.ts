// How fake servers move BUILD -> ACTIVE (or ERROR) and which address they get: one default
// plus overrides by server-name prefix, merged over the default from the shortest matching prefix
// to the longest (so a longer prefix wins field by field).
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
    const matching = [...this.byPrefix.keys()]
      .filter((prefix) => serverName.startsWith(prefix))
      .sort((a, b) => a.length - b.length);
    return matching.reduce<ServerBehaviour>(
      (merged, prefix) => ({ ...merged, ...this.byPrefix.get(prefix) }),
      this.defaults,
    );
  }
}
