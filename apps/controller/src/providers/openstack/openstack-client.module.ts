import { Inject, Injectable, Module, OnApplicationShutdown, Optional } from '@nestjs/common';
import { OpenStackClient } from '@osa/openstack-client';
import { OpenStackCallFeed } from '../openstack-call-feed';
import { OPENSTACK_CLIENT, openStackClientProvider } from './openstack-client.provider';

/** Closes the shared client's idle connections once nothing uses it any more. */
@Injectable()
class OpenStackClientCloser implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(OPENSTACK_CLIENT) private readonly client: OpenStackClient | null,
  ) {}

  onApplicationShutdown(): void {
    this.client?.close();
  }
}

/**
 * The one OpenStack client (null on the local provider), shared by the instance provider, the
 * lease election and the Octavia data plane. A module of its own so it closes last: Nest runs
 * `onApplicationShutdown` from the root module down to the deepest import, and this module is
 * imported by ProvidersModule, so the leader's lease release (ProvidersModule) has finished
 * before the client closes.
 */
@Module({
  providers: [OpenStackCallFeed, openStackClientProvider, OpenStackClientCloser],
  exports: [OPENSTACK_CLIENT, OpenStackCallFeed],
})
export class OpenStackClientModule {}
