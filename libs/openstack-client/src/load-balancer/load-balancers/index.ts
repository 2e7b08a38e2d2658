export { LoadBalancersApi } from './api';
export type { WaitForLoadBalancerStatusOptions, DeleteLoadBalancerOptions } from './api';
export type {
  CreateLoadBalancerOptions,
  ListLoadBalancersFilters,
  UpdateLoadBalancerOptions,
} from './requests';
export type {
  LoadBalancer,
  LoadBalancerStats,
  LoadBalancerStatusTree,
  ListenerStatus,
  PoolStatus,
  MemberStatus,
  StatusNode,
} from './results';
