import { Module } from '@nestjs/common';
import { OpenStackClient } from '@osa/openstack-client';
import { CLOCK, Clock } from '../clock/clock';
import {
  LocalProviderConfig,
  OpenStackProviderConfig,
  ProviderConfig,
} from '../config/provider.config';
import { ScalingConfig } from '../config/scaling.config';
import { LeadershipConfig } from '../config/leadership.config';
import { LeaderElection } from '../leadership/leader-election.service';
import { Leadership, LEADERSHIP, SINGLE_CONTROLLER } from '../seams/leadership';
import { CloudApiHealth } from './cloud-api-health';
import { GoldenImagePin } from './golden-image-pin';
import { INSTANCE_PROVIDER } from './instance-provider';
import { LocalInstanceProvider } from './local/local-instance-provider';
import { NodeProcessLauncher, PROCESS_LAUNCHER, ProcessLauncher } from './local/process-launcher';
import { MonitoredInstanceProvider } from './monitored-instance-provider';
import { OpenStackClientModule } from './openstack/openstack-client.module';
import { OPENSTACK_CLIENT } from './openstack/openstack-client.provider';
import { OpenStackInstanceProvider } from './openstack/openstack-instance-provider';
import { OpenStackPlacement } from './openstack/placement/openstack-placement.service';
import { PlacementState } from './placement/placement-state';

/**
 * Binds `INSTANCE_PROVIDER` to the configured implementation (`provider.kind`), wrapped so every
 * call has a deadline and feeds CloudApiHealth; nothing else knows which one it is. Not global:
 * the modules that use a provider import this one. The kind is read from the injected config,
 * so this is a static module; the implementation not chosen is never built (its factory gives
 * null: no child-process bookkeeping for openstack, no credentials resolved for local). Nest
 * runs the lifecycle hooks of factory-built instances like those of classes.
 *
 * LEADERSHIP (seams/leadership.ts) is built here too: the lease lives in the cloud on the same
 * OpenStack client, and the instance provider refuses creates and deletes unless this controller
 * leads, so both need it in this module (a LeadershipModule importing this one for the client,
 * imported by this one for the gate, would be a cycle).
 */
@Module({
  imports: [OpenStackClientModule],
  providers: [
    CloudApiHealth,
    GoldenImagePin,
    PlacementState,
    { provide: PROCESS_LAUNCHER, useClass: NodeProcessLauncher },
    {
      provide: LocalInstanceProvider,
      inject: [ProviderConfig, LocalProviderConfig, PROCESS_LAUNCHER, CLOCK, GoldenImagePin],
      useFactory: (
        provider: ProviderConfig,
        local: LocalProviderConfig,
        launcher: ProcessLauncher,
        clock: Clock,
        pin: GoldenImagePin,
      ) =>
        provider.kind === 'local'
          ? new LocalInstanceProvider(local, provider, launcher, clock, pin)
          : null,
    },
    {
      // Quota, server group and zone checks before a create (openstack only).
      provide: OpenStackPlacement,
      inject: [ProviderConfig, OpenStackProviderConfig, OPENSTACK_CLIENT, CLOCK, PlacementState],
      useFactory: (
        provider: ProviderConfig,
        openstack: OpenStackProviderConfig,
        client: OpenStackClient | null,
        clock: Clock,
        state: PlacementState,
      ) =>
        provider.kind === 'openstack' && client
          ? new OpenStackPlacement(openstack, client, clock, state)
          : null,
    },
    {
      provide: OpenStackInstanceProvider,
      inject: [
        ProviderConfig,
        OpenStackProviderConfig,
        OPENSTACK_CLIENT,
        OpenStackPlacement,
        GoldenImagePin,
      ],
      useFactory: (
        provider: ProviderConfig,
        openstack: OpenStackProviderConfig,
        client: OpenStackClient | null,
        placement: OpenStackPlacement | null,
        pin: GoldenImagePin,
      ) =>
        provider.kind === 'openstack' && client && placement
          ? new OpenStackInstanceProvider(openstack, provider, client, placement, pin)
          : null,
    },
    {
      // The lease election with leadership.enabled (openstack only, the config refuses local), else the single controller.
      provide: LEADERSHIP,
      inject: [LeadershipConfig, ProviderConfig, OPENSTACK_CLIENT, CLOCK],
      useFactory: (
        config: LeadershipConfig,
        provider: ProviderConfig,
        client: OpenStackClient | null,
        clock: Clock,
      ): Leadership => {
        if (!config.enabled) return SINGLE_CONTROLLER;
        if (!client)
          throw new Error(
            'leadership.enabled needs provider.kind openstack (the lease is a Neutron security group)',
          );
        return new LeaderElection(config, provider, client, clock);
      },
    },
    {
      provide: INSTANCE_PROVIDER,
      inject: [
        ProviderConfig,
        LocalInstanceProvider,
        OpenStackInstanceProvider,
        CloudApiHealth,
        ScalingConfig,
        LEADERSHIP,
      ],
      useFactory: (
        provider: ProviderConfig,
        local: LocalInstanceProvider | null,
        openstack: OpenStackInstanceProvider | null,
        health: CloudApiHealth,
        scaling: ScalingConfig,
        leadership: Leadership,
      ) => {
        const inner = provider.kind === 'local' ? local : openstack;
        if (!inner)
          throw new Error(`no instance provider was built for provider.kind=${provider.kind}`);
        return new MonitoredInstanceProvider(
          inner,
          health,
          scaling.providerCallTimeoutMs,
          leadership,
        );
      },
    },
  ],
  // OpenStackClientModule's OPENSTACK_CLIENT (null with provider.kind local) is shared with
  // dataPlane.kind octavia; its OpenStackCallFeed feeds /metrics.
  exports: [
    INSTANCE_PROVIDER,
    CloudApiHealth,
    GoldenImagePin,
    PlacementState,
    LEADERSHIP,
    OpenStackClientModule,
  ],
})
export class ProvidersModule {}
