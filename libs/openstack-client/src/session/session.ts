import type { ServiceType } from '../common/errors';
import type { AuthConfig, EndpointInterface } from '../config/cloud-config';
import type { AuthToken, CatalogService } from '../identity/results';
import type { ClientLogger, RetryOptions, ServiceRequest, ServiceResponse } from './session-types';

export interface SessionOptions {
  auth: AuthConfig;
  regionName?: string;
  interface: EndpointInterface;
  /** PEM CA bundle contents to trust in addition to nothing else (replaces Node's default CAs, like OS_CACERT). */
  ca?: string | Buffer;
  insecure: boolean;
  timeoutMs: number;
  retry: Required<RetryOptions>;
  /** Renew the token this long before `expires_at`. */
  tokenRenewalMarginMs: number;
  logger?: ClientLogger;
  userAgent: string;
}

export interface EndpointSelection {
  interface?: EndpointInterface;
  region?: string;
}

/** One authenticated session: owns the token, the catalog, the HTTP agents, timeouts and retries. */
export class Session {
  constructor(readonly options: SessionOptions) {}

  request(_service: ServiceType, _request: ServiceRequest): Promise<ServiceResponse> {
    throw new Error('TODO');
  }

  token(): Promise<AuthToken> {
    throw new Error('TODO');
  }

  catalog(): Promise<CatalogService[]> {
    throw new Error('TODO');
  }

  endpointFor(_serviceType: ServiceType, _selection?: EndpointSelection): Promise<string> {
    throw new Error('TODO');
  }

  invalidateToken(): void {}

  close(): void {}
}
