import type { ResourceList } from '../../common/pagination';
import type { ComputeContext } from '../compute-context';
import type { Flavor } from './results';

export class FlavorsApi {
  constructor(protected readonly ctx: ComputeContext) {}
  /** GET /flavors/detail, lazily following `flavors_links`. */
  list(): ResourceList<Flavor> {
    throw new Error('TODO');
  }
  /** GET /flavors/{id}. */
  get(_flavorId: string): Promise<Flavor> {
    throw new Error('TODO');
  }
  /** By id, else by exact name. NotFoundError when neither matches; AmbiguousNameError when several share the name. */
  find(_nameOrId: string): Promise<Flavor> {
    throw new Error('TODO');
  }
}
