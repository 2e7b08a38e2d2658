import type { Session } from '../session/session';
import type { ComputeContext } from './compute-context';
import { FlavorsApi } from './flavors/api';
import { KeypairsApi } from './keypairs/api';
import { Microversion } from './microversion';
import { ServersApi } from './servers/api';

export interface ComputeApiOptions {
  /** 'latest' (default: the highest both sides support) or a pinned "X.Y". */
  microversion: string;
}

export class ComputeApi implements ComputeContext {
  readonly servers: ServersApi;
  readonly flavors: FlavorsApi;
  readonly keypairs: KeypairsApi;

  constructor(
    readonly session: Session,
    protected readonly options: ComputeApiOptions,
  ) {
    this.servers = new ServersApi(this);
    this.flavors = new FlavorsApi(this);
    this.keypairs = new KeypairsApi(this);
  }

  /** The microversion this client sends: negotiated once from the endpoint's version document (GET on the compute root). */
  microversion(): Promise<Microversion> {
    throw new Error('TODO');
  }

  /** True if the negotiated microversion is at least `version`. */
  async supportsMicroversion(version: string): Promise<boolean> {
    return (await this.microversion()).atLeast(version);
  }
}
