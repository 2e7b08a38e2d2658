import { Module } from '@nestjs/common';
import { ControllerConfig } from '../config/controller-config';
import { PROXY_LISTENS, ProxyModule } from '../proxy';
import { ScalingModule } from '../scaling/scaling.module';

/** Whether the built-in proxy binds its port: only when it is the data plane (`dataPlane.kind: builtin`). */
@Module({
  providers: [
    {
      provide: PROXY_LISTENS,
      inject: [ControllerConfig],
      useFactory: (config: ControllerConfig) => config.dataPlane.kind === 'builtin',
    },
  ],
  exports: [PROXY_LISTENS],
})
class BuiltinDataPlaneSwitchModule {}

/**
 * The data path wired to the control plane: the proxy (which knows only the TrafficDirector seam)
 * with ScalingModule behind that seam. One static module, so the app, /metrics and the v1 load
 * sampler share the one ProxyServer by importing it (no look-up across the graph). With an
 * external data plane it is still built (its exchange feed stays silent) but never listens.
 */
const proxyOnScaling = ProxyModule.register({
  imports: [ScalingModule, BuiltinDataPlaneSwitchModule],
});

@Module({ imports: [proxyOnScaling], exports: [proxyOnScaling] })
export class DataPathModule {}
