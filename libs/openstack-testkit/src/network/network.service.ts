// Fake Neutron v2.0 (placeholder: routes arrive in the next commits).
import type { FakeCloudState, FakeCredentials, FakeQuota } from '../fake-openstack.types';
import { FakeServiceBase, httpTitle } from '../http/service-base';
import type { WireHeaders, WireRequest } from '../http/wire';
import type { TokenStore } from '../identity/token-store';

export interface NetworkSettings {
  state: FakeCloudState;
  quota: FakeQuota;
  credentials: FakeCredentials;
}

export class NetworkService extends FakeServiceBase {
  readonly name = 'network' as const;
  readonly prefix = '/network';

  constructor(
    tokens: TokenStore,
    protected readonly settings: NetworkSettings,
  ) {
    super(tokens);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    return { 'X-Openstack-Request-Id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return { NeutronError: { type: httpTitle(status).replace(/ /g, ''), message: message ?? httpTitle(status), detail: '' } };
  }
}
