export { ComputeApi } from './compute-api';
export type { ComputeApiOptions, ComputeVersionRange } from './compute-api';
export type { ComputeContext } from './compute-context';
export {
  Microversion,
  LATEST_SUPPORTED_COMPUTE_MICROVERSION,
  COMPUTE_MICROVERSION_FEATURES,
  requireMicroversion,
} from './microversion';
export * from './servers';
export * from './flavors';
export * from './keypairs';
export * from './server-groups';
export * from './quotas';
