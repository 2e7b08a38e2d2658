import { RequestAbortedError, type ServiceType } from '../common/errors';
import { untilAborted } from '../common/resilience';
import type { CallOptions } from '../session/session-types';
import type { EndpointSelection, Session } from '../session/session';
import type { AuthToken, CatalogService } from './results';
import { ApplicationCredentialsApi } from './application-credentials/api';

export class IdentityApi {
  readonly applicationCredentials: ApplicationCredentialsApi;

  constructor(private readonly session: Session) {
    this.applicationCredentials = new ApplicationCredentialsApi(session);
  }

  /**
   * The current token (authenticating, or renewing one close to expiry, if needed). The
   * authentication is shared with concurrent callers, so `signal` stops this caller waiting
   * (RequestAbortedError) without cancelling it for the others.
   */
  async token(options: CallOptions = {}): Promise<AuthToken> {
    return untilAborted(
      this.session.token(),
      options.signal,
      () => new RequestAbortedError('identity', 'POST', '/v3/auth/tokens', options.signal?.reason),
    );
  }

  /** The service catalog that came with the token. */
  async catalog(options: CallOptions = {}): Promise<CatalogService[]> {
    return (await this.token(options)).catalog;
  }

  /** The catalog URL for a service type, by the client's interface/region unless overridden. EndpointNotFoundError lists what the catalog offers. */
  async endpointFor(serviceType: ServiceType, selection?: EndpointSelection): Promise<string> {
    return this.session.endpointFor(serviceType, selection);
  }

  /** Forget the cached token: the next request authenticates afresh. */
  invalidateToken(): void {
    this.session.invalidateToken();
  }
}
