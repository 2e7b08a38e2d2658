import { AdminConfig } from './admin.config';
import { Section } from './config-rules';
import { DataPlaneConfig } from './data-plane.config';
import { HealthConfig } from './health.config';
import { LeadershipConfig, LeadershipNeedsOpenStack } from './leadership.config';
import { LogConfig } from './log.config';
import { ProviderConfig } from './provider.config';
import { ProxyConfig } from './proxy.config';
import { RefreshConfig } from './refresh.config';
import { ScalingConfig } from './scaling.config';
import { TrafficConfig } from './traffic.config';

/**
 * The whole controller configuration: one class per section, defaults inline. With no file and
 * no overrides this is the seed's scenario on the local provider (proxy on 0.0.0.0:8000,
 * threshold 10, at most 2 instances, 503 while scaling, switch to the new instance when ready).
 */
export class ControllerConfig {
  @Section(() => ProxyConfig)
  proxy = new ProxyConfig();

  @Section(() => AdminConfig)
  admin = new AdminConfig();

  @Section(() => ProviderConfig)
  provider = new ProviderConfig();

  @Section(() => ScalingConfig)
  scaling = new ScalingConfig();

  @Section(() => HealthConfig)
  health = new HealthConfig();

  @Section(() => TrafficConfig)
  traffic = new TrafficConfig();

  @Section(() => LogConfig)
  log = new LogConfig();

  @Section(() => DataPlaneConfig)
  dataPlane = new DataPlaneConfig();

  @Section(() => RefreshConfig)
  refresh = new RefreshConfig();

  @Section(() => LeadershipConfig)
  @LeadershipNeedsOpenStack()
  leadership = new LeadershipConfig();
}
