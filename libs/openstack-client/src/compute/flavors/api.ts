import type { CallOptions } from '../../session/session-types';
import { AmbiguousNameError, NotFoundError } from '../../common/errors';
import { ResourceList } from '../../common/pagination';
import { readJsonObject } from '../../common/wire';
import type { ComputeContext } from '../compute-context';
import { parseFlavor, parseFlavorPage, type Flavor } from './results';
import * as urls from './urls';

export class FlavorsApi {
  constructor(private readonly ctx: ComputeContext) {}

  /** GET /flavors/detail, lazily following `flavors_links`. */
  list(options: CallOptions = {}): ResourceList<Flavor> {
    return new ResourceList<Flavor>(async (next) => {
      const mv = (await this.ctx.microversion(options.signal)).toString();
      const res = await this.ctx.session.request('compute', {
        method: 'GET',
        path: next ?? urls.flavorsDetailUrl(),
        microversion: mv,
        signal: options.signal,
      });
      const { wire, root } = readJsonObject(res);
      return parseFlavorPage(wire, root);
    });
  }

  /** GET /flavors/{id}. */
  async get(flavorId: string, options: CallOptions = {}): Promise<Flavor> {
    const mv = (await this.ctx.microversion(options.signal)).toString();
    const res = await this.ctx.session.request('compute', {
      method: 'GET',
      path: urls.flavorUrl(flavorId),
      microversion: mv,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(res);
    return parseFlavor(wire, wire.object(root, 'flavor', 'body'));
  }

  /**
   * By id, else by exact name. NotFoundError (listing the flavors there are) when neither
   * matches; AmbiguousNameError when several flavors share the name.
   */
  async find(nameOrId: string, options: CallOptions = {}): Promise<Flavor> {
    const all = await this.list(options).toArray();
    const byId = all.find((f) => f.id === nameOrId);
    if (byId) return byId;
    const byName = all.filter((f) => f.name === nameOrId);
    if (byName.length === 1) return byName[0];
    if (byName.length > 1)
      throw new AmbiguousNameError(
        'flavor',
        nameOrId,
        byName.map((f) => f.id),
      );
    throw new NotFoundError({
      status: 404,
      service: 'compute',
      method: 'GET',
      url: urls.flavorsDetailUrl(),
      serverMessage: `no flavor has the id or name "${nameOrId}"; flavors: ${all.map((f) => `${f.name} (${f.id})`).join(', ') || 'none'}`,
    });
  }
}
