import type { CallOptions } from '../../session/session-types';
import { AmbiguousNameError, NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { readJsonObject } from '../../common/wire';
import type { ComputeContext } from '../compute-context';
import type { DeleteOptions } from '../servers/requests';
import { buildCreateServerGroupBody, type CreateServerGroupOptions } from './requests';
import { parseServerGroup, parseServerGroupPage, type ServerGroup } from './results';
import * as urls from './urls';

/** Nova server groups: the scheduling policy (anti-affinity ...) new servers join with the `group` hint. */
export class ServerGroupsApi {
  constructor(private readonly ctx: ComputeContext) {}

  /** POST /os-server-groups, in the negotiated microversion's form (`policy` from 2.64, `policies` before). */
  async create(options: CreateServerGroupOptions): Promise<ServerGroup> {
    const mv = await this.ctx.microversion(options.signal);
    const res = await this.ctx.session.request('compute', {
      method: 'POST',
      path: urls.serverGroupsUrl(),
      json: buildCreateServerGroupBody(options, mv),
      microversion: mv.toString(),
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseServerGroup(wire, wire.object(root, 'server_group', 'body'));
  }

  /**
   * GET /os-server-groups (the project's groups). Nova pages it with `limit`/`offset` and no
   * next link; one page of up to 1000 (Nova's max_limit) is read.
   */
  list(options: CallOptions = {}): ResourceList<ServerGroup> {
    return new ResourceList<ServerGroup>(async (next) => {
      const mv = (await this.ctx.microversion(options.signal)).toString();
      const res = await this.ctx.session.request('compute', {
        method: 'GET',
        path: next ?? urls.serverGroupsUrl(),
        query: { limit: 1000 },
        microversion: mv,
        signal: options.signal,
      });
      const { wire, root } = readJsonObject(res);
      return parseServerGroupPage(wire, root);
    });
  }

  /** GET /os-server-groups/{id}. */
  async get(groupId: string, options: CallOptions = {}): Promise<ServerGroup> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.serverGroupUrl(groupId),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseServerGroup(wire, wire.object(root, 'server_group', 'body'));
  }

  /** The group of this exact name; undefined when none, AmbiguousNameError when several. */
  async findByName(name: string, options: CallOptions = {}): Promise<ServerGroup | undefined> {
    const matches = (await this.list(options).toArray()).filter((g) => g.name === name);
    if (matches.length > 1)
      throw new AmbiguousNameError(
        'server group',
        name,
        matches.map((g) => g.id),
      );
    return matches[0];
  }

  /** DELETE /os-server-groups/{id}; false when already gone (ignoreMissing, default true). */
  async delete(groupId: string, options: DeleteOptions = {}): Promise<boolean> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    try {
      await this.ctx.session.request('compute', {
        method: 'DELETE',
        path: urls.serverGroupUrl(groupId),
        microversion: mv,
        signal: options.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError && (options.ignoreMissing ?? true)) return false;
      throw err;
    }
  }
}
