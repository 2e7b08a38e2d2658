import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { PlacementState } from '../providers/placement/placement-state';
import { ScalingScheduleService } from '../scaling/schedule/scaling-schedule.service';
import { MetricsRegistry } from './metrics-registry';

const BLOCK_KINDS = ['quota', 'no-valid-host'] as const;
const QUOTAS = ['instances', 'cores', 'ram'] as const;

/**
 * Placement and scheduled capacity on /metrics, read at scrape time: whether scale-outs are held
 * (by a quota, or NoValidHost for a hard server group), what the quota leaves, the group's
 * instances per zone, and the min/max in force.
 */
@Injectable()
export class PlacementMetrics {
  constructor(
    metrics: MetricsRegistry,
    placement: PlacementState,
    schedule: ScalingScheduleService,
  ) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'osa_scale_out_blocked',
      help: '1 while scale-outs wait until capacity changes, by reason: quota (the next instance would exceed a Nova quota), no-valid-host (a hard server-group policy cannot place another)',
      labelNames: ['reason'],
      registers,
      collect() {
        const block = placement.block;
        for (const kind of BLOCK_KINDS) this.set({ reason: kind }, block?.kind === kind ? 1 : 0);
      },
    });
    new Gauge({
      name: 'osa_quota_remaining',
      help: "What the project's Nova quota still allows, by quota (instances; cores; ram in MiB), as last read from GET /limits; absent before the first read, -1 when unlimited",
      labelNames: ['quota'],
      registers,
      collect() {
        this.reset();
        const quota = placement.status().quota;
        if (!quota) return;
        const uses = { instances: quota.instances, cores: quota.cores, ram: quota.ramMb };
        for (const name of QUOTAS)
          this.set(
            { quota: name },
            uses[name].limit < 0 ? -1 : Math.max(0, uses[name].limit - uses[name].used),
          );
      },
    });
    new Gauge({
      name: 'osa_zone_instances',
      help: "The group's instances per configured availability zone (provider.openstack.availabilityZones)",
      labelNames: ['zone'],
      registers,
      collect() {
        this.reset();
        for (const zone of placement.status().zones) this.set({ zone: zone.zone }, zone.instances);
      },
    });
    new Gauge({
      name: 'osa_capacity_bounds',
      help: 'minInstances / maxInstances in force (scaling.schedule may change them)',
      labelNames: ['bound'],
      registers,
      collect() {
        const { inForce } = schedule.view();
        this.set({ bound: 'min' }, inForce.minInstances);
        this.set({ bound: 'max' }, inForce.maxInstances);
      },
    });
  }
}
