import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Flavor, OpenStackClient, QuotaExceededError, Server } from '@osa/openstack-client';
import { CancelTimer, Clock, CLOCK } from '../../../clock/clock';
import { OpenStackProviderConfig } from '../../../config/provider.config';
import { CapacityBlockedError, PlacementState } from '../../placement/placement-state';
import { OPENSTACK_CLIENT } from '../openstack-client.provider';
import { placementFaultLine } from './placement-fault';
import { ComputeQuota, FlavorSize, quotaShortfall } from './quota-check';
import { chooseZone } from '../../placement/zone-choice';

/** What a create adds to Nova's POST /servers. */
export interface PlacementRequest {
  readonly availabilityZone?: string;
  readonly schedulerHints?: { readonly group: string };
}

/**
 * Placement for the OpenStack provider: the server group (created or adopted by name), the zone
 * of each new instance, and the project's quota before each create. It writes what it learns
 * into PlacementState (the block that holds scale-outs, the zones, the quota), and lifts a block
 * when capacity changes: a member of the group leaves, the quota usage changes, or the recheck
 * period (provider.openstack.placement) ends.
 */
@Injectable()
export class OpenStackPlacement implements OnModuleDestroy {
  private readonly logger = new Logger('Placement');
  private groupId: Promise<string> | undefined;
  private readonly zoneSkippedUntilMs = new Map<string, number>();
  /** Instances we created (their zone is ours to count even before Nova shows it). */
  private readonly ours = new Set<string>();
  /** Members that failed placement (NoValidHost): their deletion frees nothing. */
  private readonly unplaced = new Set<string>();
  /** Zones chosen for creates still in flight, so concurrent launches spread too. */
  private readonly reservedZones = new Map<string, number>();
  private quota: ComputeQuota | undefined;
  private quotaReadAtMs = Number.NEGATIVE_INFINITY;
  private quotaReadAt = '';
  private flavor: FlavorSize | undefined;
  private recheck: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly config: OpenStackProviderConfig,
    @Inject(OPENSTACK_CLIENT) private readonly client: OpenStackClient,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly state: PlacementState,
  ) {
    this.publish();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.recheck?.();
  }

  /**
   * Before POST /servers: the quota (refused here, without calling Nova, when the next instance
   * would exceed it), then the group hint and the zone.
   */
  async beforeCreate(flavor: Flavor, signal: AbortSignal | undefined): Promise<PlacementRequest> {
    this.flavor = { name: flavor.name, vcpus: flavor.vcpus, ramMb: flavor.ramMb };
    if (this.clock.nowMs() - this.quotaReadAtMs >= this.config.placement.quotaRefreshIntervalMs)
      await this.readQuota(signal);
    const block = this.state.block;
    if (block) throw new CapacityBlockedError(block);
    const request: { availabilityZone?: string; schedulerHints?: { group: string } } = {};
    if (this.config.serverGroup)
      request.schedulerHints = { group: await this.serverGroupId(signal) };
    const counts = this.state.zoneCounts();
    for (const [zone, reserved] of this.reservedZones)
      counts.set(zone, (counts.get(zone) ?? 0) + reserved);
    const choice = chooseZone(
      this.config.availabilityZones,
      counts,
      this.zoneSkippedUntilMs,
      this.clock.nowMs(),
    );
    if (choice) {
      request.availabilityZone = choice.zone;
      this.reservedZones.set(choice.zone, (this.reservedZones.get(choice.zone) ?? 0) + 1);
      if (choice.skipped.length > 0)
        this.logger.log(
          `zone ${choice.zone} chosen; skipping ${choice.skipped.join(', ')} after a failed build there`,
        );
    }
    return request;
  }

  /** Nova accepted the create: count it in its zone and in the quota until the next read. */
  created(id: string, request: PlacementRequest): void {
    this.release(request);
    this.ours.add(id);
    this.state.recordZone(id, request.availabilityZone);
    if (this.quota && this.flavor) {
      const { instances, cores, ramMb } = this.quota;
      this.quota = {
        instances: { ...instances, used: instances.used + 1 },
        cores: { ...cores, used: cores.used + this.flavor.vcpus },
        ramMb: { ...ramMb, used: ramMb.used + this.flavor.ramMb },
      };
    }
    this.publish();
  }

  /** Nova refused the create: a 403/413 quota answer is read like our own check. */
  createFailed(error: unknown, request: PlacementRequest): void {
    this.release(request);
    if (!(error instanceof QuotaExceededError)) return;
    const name = error.quota ?? 'unknown';
    const over =
      error.used !== undefined && error.requested !== undefined && error.limit !== undefined
        ? error.used + error.requested - error.limit
        : undefined;
    this.block(
      'quota',
      `quota ${name}: Nova refused the create (${error.serverMessage}); waiting until usage or the quota changes`,
      { name, over },
    );
    this.quotaReadAtMs = Number.NEGATIVE_INFINITY;
  }

  /** Every server the provider reads: its zone, and a fault that means the group cannot place it. */
  observed(server: Server): void {
    const zone = server.availabilityZone || this.state.zoneOf(server.id);
    this.state.recordZone(server.id, zone);
    if (server.status === 'ERROR' && this.ours.has(server.id)) {
      const line = placementFaultLine(server.fault?.message, this.config.serverGroup);
      if (line) {
        this.unplaced.add(server.id);
        this.block('no-valid-host', line);
      } else if (zone && this.config.availabilityZones.includes(zone)) {
        const untilMs = this.clock.nowMs() + this.config.placement.zoneFailureBackoffMs;
        if ((this.zoneSkippedUntilMs.get(zone) ?? 0) <= this.clock.nowMs())
          this.logger.warn(
            `a build failed in zone ${zone} (${server.fault?.message ?? 'no fault text'}): new instances skip it for ${Math.round(this.config.placement.zoneFailureBackoffMs / 1000)}s`,
          );
        this.zoneSkippedUntilMs.set(zone, untilMs);
      }
    }
    this.publish();
  }

  /** An instance of ours is gone: a hard group has room again, and the quota usage changed. */
  deleted(id: string): void {
    const wasOurs = this.ours.delete(id) && !this.unplaced.delete(id);
    this.state.forget(id);
    this.quotaReadAtMs = Number.NEGATIVE_INFINITY;
    if (wasOurs && this.state.block?.kind === 'no-valid-host')
      this.lift('a member of the group was deleted');
    if (this.state.block?.kind === 'quota') this.scheduleRecheck(0);
    this.publish();
  }

  private release(request: PlacementRequest): void {
    const zone = request.availabilityZone;
    if (zone === undefined) return;
    const left = (this.reservedZones.get(zone) ?? 1) - 1;
    if (left > 0) this.reservedZones.set(zone, left);
    else this.reservedZones.delete(zone);
  }

  /** GET /limits: the project's usage; sets or lifts a quota block. */
  private async readQuota(signal: AbortSignal | undefined): Promise<void> {
    const limits = await this.client.compute.quotas.limits({ signal });
    this.quota = {
      instances: { limit: limits.maxTotalInstances, used: limits.totalInstancesUsed },
      cores: { limit: limits.maxTotalCores, used: limits.totalCoresUsed },
      ramMb: { limit: limits.maxTotalRAMSize, used: limits.totalRAMUsed },
    };
    this.quotaReadAtMs = this.clock.nowMs();
    this.quotaReadAt = this.clock.now().toISOString();
    const shortfall = this.flavor ? quotaShortfall(this.quota, this.flavor) : undefined;
    if (shortfall)
      this.block('quota', shortfall.message, { name: shortfall.quota, over: shortfall.over });
    else if (this.state.block?.kind === 'quota') this.lift('the quota has room again');
    this.publish();
  }

  private block(
    kind: 'quota' | 'no-valid-host',
    message: string,
    quota?: { name: string; over?: number },
  ): void {
    if (this.state.setBlock({ kind, message, since: this.clock.now().toISOString(), quota }))
      this.logger.warn(message);
    this.scheduleRecheck(
      kind === 'quota'
        ? this.config.placement.quotaRefreshIntervalMs
        : this.config.placement.noValidHostRecheckMs,
    );
  }

  private lift(why: string): void {
    const block = this.state.block;
    this.recheck?.();
    this.recheck = undefined;
    if (block && this.state.clearBlock())
      this.logger.log(`scale-outs may go on: ${why} (was: ${block.message})`);
  }

  /** While blocked: re-read the quota (quota) or simply try again (NoValidHost) after `delayMs`. */
  private scheduleRecheck(delayMs: number): void {
    this.recheck?.();
    if (this.stopped) return;
    this.recheck = this.clock.setTimer(delayMs, () => {
      this.recheck = undefined;
      const block = this.state.block;
      if (!block || this.stopped) return;
      if (block.kind === 'no-valid-host') {
        this.lift(
          `${Math.round(this.config.placement.noValidHostRecheckMs / 1000)}s passed (provider.openstack.placement.noValidHostRecheckMs): trying again`,
        );
        return;
      }
      this.readQuota(undefined).catch((error: unknown) => {
        this.logger.warn(
          `reading the quota failed: ${(error as Error).message}; trying again in ${Math.round(this.config.placement.quotaRefreshIntervalMs / 1000)}s`,
        );
        this.scheduleRecheck(this.config.placement.quotaRefreshIntervalMs);
      });
    });
  }

  /** The group's id: adopted by name, else created with the configured policy (once per controller). */
  private serverGroupId(signal: AbortSignal | undefined): Promise<string> {
    const wanted = this.config.serverGroup;
    if (!wanted) throw new Error('no provider.openstack.serverGroup configured');
    this.groupId ??= (async () => {
      const existing = await this.client.compute.serverGroups.findByName(wanted.name, { signal });
      if (existing) {
        if (existing.policy !== wanted.policy)
          this.logger.warn(
            `server group ${wanted.name} (${existing.id}) exists with policy ${existing.policy}, not ${wanted.policy}: adopted as it is (Nova cannot change a group's policy)`,
          );
        else
          this.logger.log(
            `server group ${wanted.name} (${existing.id}, ${existing.policy}) adopted`,
          );
        return existing.id;
      }
      const created = await this.client.compute.serverGroups.create({
        name: wanted.name,
        policy: wanted.policy,
        signal,
      });
      this.logger.log(`server group ${wanted.name} (${created.id}, ${created.policy}) created`);
      return created.id;
    })().catch((error: unknown) => {
      this.groupId = undefined;
      throw error;
    });
    return this.groupId;
  }

  private publish(): void {
    const counts = this.state.zoneCounts();
    const nowMs = this.clock.nowMs();
    const group = this.config.serverGroup;
    this.state.publish({
      serverGroup: group ? { name: group.name, policy: group.policy } : undefined,
      zones: this.config.availabilityZones.map((zone) => {
        const untilMs = this.zoneSkippedUntilMs.get(zone);
        const skipped = untilMs !== undefined && untilMs > nowMs;
        return {
          zone,
          instances: counts.get(zone) ?? 0,
          ...(skipped
            ? {
                skippedUntil: new Date(
                  this.clock.now().getTime() + (untilMs - nowMs),
                ).toISOString(),
              }
            : {}),
        };
      }),
      quota: this.quota
        ? {
            instances: this.quota.instances,
            cores: this.quota.cores,
            ramMb: this.quota.ramMb,
            flavor: this.flavor,
            readAt: this.quotaReadAt,
          }
        : undefined,
    });
  }
}
