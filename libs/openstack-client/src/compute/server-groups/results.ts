import type { WireReader } from '../../common/wire';
import type { ServerGroupPolicy } from './requests';

export interface ServerGroup {
  id: string;
  name: string;
  /**
   * The policy, whichever form Nova used: `policy` from 2.64, the first (only) item of
   * `policies` before.
   */
  policy: ServerGroupPolicy | (string & {});
  /** `rules` from 2.64 (e.g. `max_server_per_host`); empty before. */
  rules: Record<string, number | string>;
  /** Server ids in the group. */
  members: string[];
  /** `project_id` / `user_id` (shown from 2.13). */
  projectId?: string;
  userId?: string;
}

type Obj = Record<string, unknown>;

/** One server group, at any microversion (samples os-server-groups/server-groups-get-resp.json, v2.64/...). */
export function parseServerGroup(wire: WireReader, g: Obj, path = 'server_group'): ServerGroup {
  const policy =
    wire.optionalString(g, 'policy', path) ??
    wire.stringArray(g, 'policies', path)[0] ??
    wire.fail(`${path} has neither "policy" nor a non-empty "policies" list`);
  const rulesObj = wire.optionalObject(g, 'rules', path) ?? {};
  const rules: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(rulesObj)) {
    if (typeof value === 'number' || typeof value === 'string') rules[key] = value;
  }
  return {
    id: wire.string(g, 'id', path),
    name: wire.string(g, 'name', path),
    policy,
    rules,
    members: wire.stringArray(g, 'members', path),
    projectId: wire.optionalString(g, 'project_id', path),
    userId: wire.optionalString(g, 'user_id', path),
  };
}

export function parseServerGroupPage(
  wire: WireReader,
  root: Obj,
): { items: ServerGroup[]; next: string | undefined } {
  return {
    items: wire
      .array(root, 'server_groups', 'body')
      .map((g, i) =>
        parseServerGroup(wire, wire.record(g, `server_groups[${i}]`), `server_groups[${i}]`),
      ),
    next: undefined,
  };
}
