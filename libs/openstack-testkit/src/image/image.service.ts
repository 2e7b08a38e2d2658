// Fake Glance v2 (placeholder: routes arrive in the next commits).
import type { FakeCloudState, FakeCredentials } from '../fake-openstack.types';
import { FakeServiceBase, httpTitle } from '../http/service-base';
import type { WireHeaders, WireRequest } from '../http/wire';
import type { TokenStore } from '../identity/token-store';

export interface ImageSettings {
  state: FakeCloudState;
  credentials: FakeCredentials;
}

export class ImageService extends FakeServiceBase {
  readonly name = 'image' as const;
  readonly prefix = '/image';

  constructor(
    tokens: TokenStore,
    protected readonly settings: ImageSettings,
  ) {
    super(tokens);
  }

  commonHeaders(req: WireRequest): WireHeaders {
    return { 'x-openstack-request-id': req.requestId };
  }

  errorBody(status: number, message: string | undefined): unknown {
    return { message: message ?? httpTitle(status), code: `${status} ${httpTitle(status)}`, title: httpTitle(status) };
  }
}
