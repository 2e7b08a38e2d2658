import { Module } from '@nestjs/common';
import { ProxyModule } from '../proxy/proxy.module';
import { ScalingModule } from '../scaling/scaling.module';

/**
 * The data path wired to the control plane: the proxy (which knows only the TrafficDirector seam)
 * with ScalingModule behind that seam. One static module, so the app, /metrics and the v1 load
 * sampler share the one ProxyServer by importing it (no look-up across the graph).
 */
const proxyOnScaling = ProxyModule.register({ imports: [ScalingModule] });

@Module({ imports: [proxyOnScaling], exports: [proxyOnScaling] })
export class DataPathModule {}
