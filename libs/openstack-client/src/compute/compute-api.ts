import type { CallOptions } from '../session/session-types';
import { MicroversionNotSupportedError, RequestAbortedError } from '../common/errors';
import { untilAborted } from '../common/resilience';
import { readJsonObject } from '../common/wire';
import type { Session } from '../session/session';
import type { ComputeContext } from './compute-context';
import { FlavorsApi } from './flavors/api';
import { KeypairsApi } from './keypairs/api';
import { LATEST_SUPPORTED_COMPUTE_MICROVERSION, Microversion } from './microversion';
import { ComputeQuotasApi } from './quotas/api';
import { ServerGroupsApi } from './server-groups/api';
import { ServersApi } from './servers/api';

export interface ComputeApiOptions {
  /** 'latest' (the highest both the cloud and this client support) or a pinned "X.Y". */
  microversion: string;
}

export interface ComputeVersionRange {
  min: Microversion;
  max: Microversion;
}

export class ComputeApi implements ComputeContext {
  readonly servers: ServersApi;
  readonly flavors: FlavorsApi;
  readonly keypairs: KeypairsApi;
  readonly serverGroups: ServerGroupsApi;
  readonly quotas: ComputeQuotasApi;
  private negotiation: Promise<Microversion> | undefined;

  constructor(
    readonly session: Session,
    private readonly options: ComputeApiOptions,
  ) {
    if (options.microversion !== 'latest')
      Microversion.parse(options.microversion, 'computeMicroversion');
    this.servers = new ServersApi(this);
    this.flavors = new FlavorsApi(this);
    this.keypairs = new KeypairsApi(this);
    this.serverGroups = new ServerGroupsApi(this);
    this.quotas = new ComputeQuotasApi(this);
  }

  /** The microversion this client sends, negotiated once from the endpoint's version document. */
  microversion(signal?: AbortSignal): Promise<Microversion> {
    if (!this.negotiation) {
      this.negotiation = this.negotiate().catch((err: unknown) => {
        this.negotiation = undefined; // a failed negotiation is retried on the next call
        throw err;
      });
    }
    return untilAborted(
      this.negotiation,
      signal,
      () => new RequestAbortedError('compute', 'GET', '(version document)', signal?.reason),
    );
  }

  /** True if the negotiated microversion is at least `version`. */
  async supportsMicroversion(version: string): Promise<boolean> {
    return (await this.microversion()).atLeast(version);
  }

  /**
   * GET the v2.1 version document (Nova API reference "Show Details of Specific API Version":
   * `{"version": {"id": "v2.1", "version": "2.93", "min_version": "2.1", ...}}`).
   */
  async versionRange(options: CallOptions = {}): Promise<ComputeVersionRange> {
    const base = await this.session.serviceBaseUrl('compute');
    // The catalog URL may end in a project id (`/v2.1/<project>`); the document lives at `/v2.1/`.
    const docUrl = base.replace(/(\/v2(?:\.1)?)(\/[^/]+)?$/, '$1/');
    const response = await this.session.request('compute', {
      method: 'GET',
      path: docUrl,
      signal: options.signal,
    });
    const { wire, root } = readJsonObject(response);
    let doc = wire.optionalObject(root, 'version', 'body');
    if (!doc) {
      const versions = wire
        .array(root, 'versions', 'body')
        .map((v, i) => wire.record(v, `body.versions[${i}]`));
      doc = versions.find((v) => v['id'] === 'v2.1');
      if (!doc) return wire.fail('the compute version document lists no v2.1 API');
    }
    // A v2.0-only (legacy) endpoint answers "" for both: no microversions, i.e. 2.1 behaviour.
    const max = wire.optionalString(doc, 'version', 'version', true) ?? '2.1';
    const min = wire.optionalString(doc, 'min_version', 'version', true) ?? '2.1';
    return {
      min: Microversion.parse(min, 'compute version document min_version'),
      max: Microversion.parse(max, 'compute version document version'),
    };
  }

  private async negotiate(): Promise<Microversion> {
    const { min, max } = await this.versionRange();
    const clientMax = Microversion.parse(LATEST_SUPPORTED_COMPUTE_MICROVERSION);
    let chosen: Microversion;
    if (this.options.microversion === 'latest') {
      chosen = max.compare(clientMax) < 0 ? max : clientMax;
    } else {
      chosen = Microversion.parse(this.options.microversion, 'computeMicroversion');
      if (chosen.compare(min) < 0 || chosen.compare(max) > 0) {
        throw new MicroversionNotSupportedError(
          'compute',
          'the pinned computeMicroversion',
          chosen.toString(),
          `the cloud supports ${min} to ${max}`,
        );
      }
    }
    this.session.emit({
      type: 'microversion',
      service: 'compute',
      negotiated: chosen.toString(),
      serverMin: min.toString(),
      serverMax: max.toString(),
      requested: this.options.microversion,
    });
    return chosen;
  }
}
