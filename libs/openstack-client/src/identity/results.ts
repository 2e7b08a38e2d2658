import type { Secret } from '../common/secret';
import type { EndpointInterface } from '../config/cloud-config';

export interface CatalogEndpoint {
  id?: string;
  interface: EndpointInterface | (string & {});
  /** Keystone's `region_id` (falls back to the legacy `region`). */
  region?: string;
  url: string;
}

export interface CatalogService {
  id?: string;
  /** e.g. `compute`, `image`, `network`, `identity`. */
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/** A Keystone v3 token (POST /v3/auth/tokens: value in `X-Subject-Token`, details in the body). */
export interface AuthToken {
  value: Secret;
  expiresAt: Date;
  issuedAt?: Date;
  methods: string[];
  userId: string;
  userName?: string;
  projectId?: string;
  projectName?: string;
  roles: string[];
  catalog: CatalogService[];
}
