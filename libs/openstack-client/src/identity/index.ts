export { IdentityApi } from './api';
export type { AuthToken, CatalogService, CatalogEndpoint } from './results';
export * from './application-credentials';
