import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { AdminConfig } from './admin.config';
import { CloudEnvironment, ConfigOrigin, LoadedControllerConfig } from './config-loader';
import { ControllerConfig } from './controller-config';
import { DataPlaneConfig } from './data-plane.config';
import { HealthConfig } from './health.config';
import { LeadershipConfig } from './leadership.config';
import { LogConfig } from './log.config';
import { LocalProviderConfig, OpenStackProviderConfig, ProviderConfig } from './provider.config';
import { PROXY_CONFIG, ProxyConfig } from './proxy.config';
import { RefreshConfig } from './refresh.config';
import { ScalingConfig } from './scaling.config';
import { TrafficConfig } from './traffic.config';

/** Where the config came from (file, OSA_* overrides), for the start-up log and /status. */
export const CONFIG_ORIGIN = Symbol('CONFIG_ORIGIN');
/** What the OpenStack client may read for credentials; only the openstack provider injects it. */
export const CLOUD_ENVIRONMENT = Symbol('CLOUD_ENVIRONMENT');

export type { CloudEnvironment, ConfigOrigin };

/**
 * Makes the validated configuration injectable: each section by its class
 * (`constructor(private readonly scaling: ScalingConfig)`), the proxy's under `PROXY_CONFIG`.
 * Nothing here reads the environment; main.ts loads and validates before Nest starts.
 */
@Global()
@Module({})
export class ControllerConfigModule {
  static forRoot(loaded: LoadedControllerConfig): DynamicModule {
    const { config } = loaded;
    const providers: Provider[] = [
      { provide: ControllerConfig, useValue: config },
      { provide: ProxyConfig, useValue: config.proxy },
      { provide: PROXY_CONFIG, useValue: config.proxy },
      { provide: AdminConfig, useValue: config.admin },
      { provide: ProviderConfig, useValue: config.provider },
      { provide: LocalProviderConfig, useValue: config.provider.local },
      { provide: OpenStackProviderConfig, useValue: config.provider.openstack },
      { provide: ScalingConfig, useValue: config.scaling },
      { provide: HealthConfig, useValue: config.health },
      { provide: TrafficConfig, useValue: config.traffic },
      { provide: DataPlaneConfig, useValue: config.dataPlane },
      { provide: LogConfig, useValue: config.log },
      { provide: RefreshConfig, useValue: config.refresh },
      { provide: LeadershipConfig, useValue: config.leadership },
      { provide: CONFIG_ORIGIN, useValue: loaded.origin },
      { provide: CLOUD_ENVIRONMENT, useValue: loaded.cloudEnvironment },
    ];
    return {
      module: ControllerConfigModule,
      providers,
      exports: providers.map((provider) => (provider as { provide: unknown }).provide as never),
    };
  }
}
