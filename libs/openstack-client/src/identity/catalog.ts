import {
  EndpointNotFoundError,
  type CatalogEndpointSummary,
  type ServiceType,
} from '../common/errors';
import type { EndpointInterface } from '../config/cloud-config';
import type { CatalogService } from './results';

/** Older clouds register Nova as `computev21` beside or instead of `compute`. */
const SERVICE_TYPE_ALIASES: Record<string, readonly string[]> = {
  compute: ['compute', 'computev21'],
  image: ['image'],
  network: ['network'],
  identity: ['identity'],
};

/** Picks the URL for a service type, interface and (optional) region; lists what exists when nothing matches. */
export function selectEndpoint(
  catalog: readonly CatalogService[],
  serviceType: ServiceType,
  wantedInterface: EndpointInterface,
  region: string | undefined,
): string {
  const types = SERVICE_TYPE_ALIASES[serviceType] ?? [serviceType];
  for (const type of types) {
    for (const service of catalog) {
      if (service.type !== type) continue;
      const match = service.endpoints.find(
        (e) => e.interface === wantedInterface && (region === undefined || e.region === region),
      );
      if (match) return match.url.replace(/\/+$/, '');
    }
  }
  const available: CatalogEndpointSummary[] = catalog.flatMap((s) =>
    s.endpoints.map((e) => ({
      serviceType: s.type,
      interface: e.interface,
      region: e.region,
      url: e.url,
    })),
  );
  throw new EndpointNotFoundError(serviceType, wantedInterface, region, available);
}

/**
 * Catalog URLs differ in whether they include the API version: Glance and Neutron are usually
 * registered at their root (`http://h:9292`, `http://h:9696`), Nova at `/v2.1` (maybe with a
 * project id after it). Our paths are relative to the versioned base.
 */
export function versionedBaseUrl(serviceType: ServiceType, catalogUrl: string): string {
  const url = catalogUrl.replace(/\/+$/, '');
  switch (serviceType) {
    case 'image':
      return /\/v2(\.\d+)?$/.test(url) ? url.replace(/\/v2\.\d+$/, '/v2') : `${url}/v2`;
    case 'network':
      return /\/v2\.0$/.test(url) ? url : `${url}/v2.0`;
    case 'compute':
      return /\/v2(\.1)?(\/[^/]+)?$/.test(url) ? url : `${url}/v2.1`;
    case 'load-balancer':
      // Octavia: registered at its root (`http://h:9876`) or a path (`http://h/load-balancer`);
      // v2 is served at /v2 and /v2.0 (its version document links /v2).
      return /\/v2(\.0)?$/.test(url) ? url.replace(/\/v2\.0$/, '/v2') : `${url}/v2`;
    default:
      return url;
  }
}
