import { DynamicModule, Global, Module, Provider, Type } from '@nestjs/common';
import { ProviderKind } from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { CloudApiHealth } from './cloud-api-health';
import { GoldenImagePin } from './golden-image-pin';
import { INSTANCE_PROVIDER, InstanceProvider } from './instance-provider';
import { LocalInstanceProvider } from './local/local-instance-provider';
import { NodeProcessLauncher, PROCESS_LAUNCHER } from './local/process-launcher';
import { MonitoredInstanceProvider } from './monitored-instance-provider';
import { OPENSTACK_CLIENT, openStackClientProvider } from './openstack/openstack-client.provider';
import { OpenStackInstanceProvider } from './openstack/openstack-instance-provider';
import { Leadership, LEADERSHIP } from '../seams/leadership';

/**
 * Binds `INSTANCE_PROVIDER` to the configured implementation, wrapped so every call has a
 * deadline and feeds CloudApiHealth; nothing else knows which one it is.
 */
@Global()
@Module({})
export class ProvidersModule {
  static forRoot(kind: ProviderKind): DynamicModule {
    const implementation: Type<InstanceProvider> = kind === 'local' ? LocalInstanceProvider : OpenStackInstanceProvider;
    const providers: Provider[] = [
      ...(kind === 'local' ? [{ provide: PROCESS_LAUNCHER, useClass: NodeProcessLauncher }] : [openStackClientProvider]),
      implementation,
      CloudApiHealth,
      GoldenImagePin,
      {
        provide: INSTANCE_PROVIDER,
        inject: [implementation, CloudApiHealth, ScalingConfig, { token: LEADERSHIP, optional: true }],
        useFactory: (inner: InstanceProvider, health: CloudApiHealth, scaling: ScalingConfig, leadership?: Leadership) =>
          new MonitoredInstanceProvider(inner, health, scaling.providerCallTimeoutMs, leadership),
      },
    ];
    // The OpenStack client is shared with dataPlane.kind octavia and the leadership lease (same credentials, same metrics).
    const exports = [INSTANCE_PROVIDER, CloudApiHealth, GoldenImagePin, ...(kind === 'local' ? [] : [OPENSTACK_CLIENT])];
    return { module: ProvidersModule, providers, exports };
  }
}
