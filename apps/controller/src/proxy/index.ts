export { ProxyModule } from './proxy.module';
export type { ProxyModuleOptions } from './proxy.module';
export { PROXY_LISTENS, ProxyServer } from './proxy-server';
export type { ProxyExchangeEvent } from './proxy-server';
export { TRAFFIC_DIRECTOR } from './traffic-director';
export type {
  Backend,
  RequestInfo,
  TrafficDecision,
  TrafficDirector,
  UpstreamOutcome,
} from './traffic-director';
