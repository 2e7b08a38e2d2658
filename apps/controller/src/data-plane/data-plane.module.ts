import { DynamicModule, Module, Provider } from '@nestjs/common';
import { Clock, CLOCK } from '../clock/clock';
import { DataPlaneConfig, DataPlaneKind } from '../config/data-plane.config';
import { PROXY_CONFIG, ProxyConfig } from '../config/proxy.config';
import { ScalingConfig } from '../config/scaling.config';
import { TrafficConfig } from '../config/traffic.config';
import { MetricsModule } from '../metrics/metrics.module';
import { PoolModule } from '../pool/pool.module';
import { ProvidersModule } from '../providers/providers.module';
import { ScalingModule } from '../scaling/scaling.module';
import { DATA_PLANE, DataPlane } from '../seams/data-plane';
import { DataPlaneDriver } from './data-plane-driver';
import { HaproxyDataPlane } from './haproxy/haproxy-data-plane';
import { octaviaDataPlaneProvider } from './octavia/octavia-data-plane.provider';

/** The DataPlane implementation of each external kind. */
const DATA_PLANE_FACTORIES: Record<Exclude<DataPlaneKind, 'builtin'>, Provider> = {
  haproxy: {
    provide: DATA_PLANE,
    inject: [DataPlaneConfig, PROXY_CONFIG, TrafficConfig, ScalingConfig, CLOCK],
    useFactory: (
      dataPlane: DataPlaneConfig,
      proxy: ProxyConfig,
      traffic: TrafficConfig,
      scaling: ScalingConfig,
      clock: Clock,
    ): DataPlane =>
      new HaproxyDataPlane({
        haproxy: dataPlane.haproxy,
        proxy,
        traffic,
        retryAfterSeconds: scaling.retryAfterSeconds,
        maxInstances: scaling.maxInstances,
        clock,
      }),
  },
  octavia: octaviaDataPlaneProvider,
};

/**
 * An external data plane (`dataPlane.kind` other than builtin) and the driver that keeps it in
 * step with the control plane. The app imports it instead of ProxyModule for those kinds, so the
 * built-in proxy never listens then.
 */
@Module({})
export class DataPlaneModule {
  static forKind(kind: Exclude<DataPlaneKind, 'builtin'>): DynamicModule {
    const dataPlane = DATA_PLANE_FACTORIES[kind];
    return {
      module: DataPlaneModule,
      // ProvidersModule: octavia shares the provider's OpenStack client; MetricsModule: osa_data_plane_*.
      imports: [PoolModule, ScalingModule, ProvidersModule, MetricsModule],
      providers: [dataPlane, DataPlaneDriver],
      exports: [DATA_PLANE, DataPlaneDriver],
    };
  }
}
