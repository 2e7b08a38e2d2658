export { PoolsApi } from './api';
export type {
  CreatePoolOptions,
  LbAlgorithm,
  ListPoolsFilters,
  PoolProtocol,
  UpdatePoolOptions,
} from './requests';
export type { Pool } from './results';
