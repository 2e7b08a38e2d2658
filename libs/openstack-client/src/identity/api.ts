import type { ServiceType } from '../common/errors';
import type { EndpointSelection, Session } from '../session/session';
import type { AuthToken, CatalogService } from './results';

export class IdentityApi {
  constructor(private readonly session: Session) {}

  /** The current token (authenticating, or renewing one close to expiry, if needed). */
  async token(): Promise<AuthToken> {
    return this.session.token();
  }

  /** The service catalog that came with the token. */
  async catalog(): Promise<CatalogService[]> {
    return (await this.session.token()).catalog;
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
