// Fake Nova v2.1 (placeholder: routes arrive in the next commits).
import type { FakeCloudState, FakeCredentials, FakeEndpoints, FakeQuota } from '../fake-openstack.types';
import { FakeServiceBase, httpTitle } from '../http/service-base';
import type { WireHeaders, WireRequest } from '../http/wire';
import type { ServerBehaviourRegistry } from '../state/server-behaviour-registry';
import type { TokenStore } from '../identity/token-store';

export interface ComputeSettings {
  state: FakeCloudState;
  quota: FakeQuota;
  credentials: FakeCredentials;
  behaviours: ServerBehaviourRegistry;
  maxMicroversion: string;
  endpoints: () => FakeEndpoints;
}

export class ComputeService extends FakeServiceBase {
  readonly name = 'compute' as const;
  readonly prefix = '/compute';

  constructor(
    tokens: TokenStore,
    protected readonly settings: ComputeSettings,
  ) {
    super(tokens);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    return { 'x-openstack-request-id': req.requestId, 'x-compute-request-id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return { error: { code: status, title: httpTitle(status), message: message ?? httpTitle(status) } };
  }
}
