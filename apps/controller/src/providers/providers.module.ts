import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ProviderKind } from '../config/provider.config';
import { INSTANCE_PROVIDER } from './instance-provider';
import { LocalInstanceProvider } from './local/local-instance-provider';
import { NodeProcessLauncher, PROCESS_LAUNCHER } from './local/process-launcher';
import { openStackClientProvider } from './openstack/openstack-client.provider';
import { OpenStackInstanceProvider } from './openstack/openstack-instance-provider';

/** Binds `INSTANCE_PROVIDER` to the configured implementation; nothing else knows which one it is. */
@Global()
@Module({})
export class ProvidersModule {
  static forRoot(kind: ProviderKind): DynamicModule {
    const providers: Provider[] = kind === 'local' ? localProviders() : openStackProviders();
    return { module: ProvidersModule, providers, exports: [INSTANCE_PROVIDER] };
  }
}

function localProviders(): Provider[] {
  return [
    { provide: PROCESS_LAUNCHER, useClass: NodeProcessLauncher },
    LocalInstanceProvider,
    { provide: INSTANCE_PROVIDER, useExisting: LocalInstanceProvider },
  ];
}

function openStackProviders(): Provider[] {
  return [openStackClientProvider, OpenStackInstanceProvider, { provide: INSTANCE_PROVIDER, useExisting: OpenStackInstanceProvider }];
}
