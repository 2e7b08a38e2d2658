export { ComputeQuotasApi } from './api';
export type { AbsoluteLimits, ComputeQuotaDetail, QuotaUsage } from './results';
