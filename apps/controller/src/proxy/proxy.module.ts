import { Module } from '@nestjs/common';
import type { DynamicModule, ModuleMetadata } from '@nestjs/common';
import { ProxyServer } from './proxy-server';

export interface ProxyModuleOptions {
  /**
   * Modules that export the two providers the data path needs: `TRAFFIC_DIRECTOR`
   * (./traffic-director) and `PROXY_CONFIG` (../config/proxy.config). Not needed when they are
   * provided by global modules.
   */
  readonly imports?: ModuleMetadata['imports'];
}

/**
 * The data path on the proxy port. `ProxyServer` starts listening in `onApplicationBootstrap`
 * (so `app.init()`/`app.listen()` starts it; `ProxyServer.start()` is idempotent for callers
 * that want to start it earlier) and drains in `beforeApplicationShutdown` (enable Nest's
 * shutdown hooks so SIGTERM reaches it).
 *
 * ```ts
 * @Module({ imports: [ProxyModule.register({ imports: [ConfigModule, ScalingModule] })] })
 * ```
 */
@Module({})
export class ProxyModule {
  static register(options: ProxyModuleOptions = {}): DynamicModule {
    return {
      module: ProxyModule,
      imports: options.imports ?? [],
      providers: [ProxyServer],
      exports: [ProxyServer],
    };
  }
}
