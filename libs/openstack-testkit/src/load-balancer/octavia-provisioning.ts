// The provider's side of Octavia's status machine, as the fake runs it: a change marks the load
// balancer PENDING_* (and the changed object PENDING_CREATE/UPDATE/DELETE), and after the
// provisioning delay everything it touched is ACTIVE again (deleted objects disappear). Read
// lazily: every request first settles what is due, so no timer is needed and a test that reads
// `cloud.state` between requests sees the PENDING_* states.
import type {
  FakeCloudState,
  FakeLoadBalancer,
  FakeMember,
  FakeOctaviaObject,
  OctaviaBehaviour,
} from '../fake-openstack.types';
import { timestamps } from '../http/wire';

export const DEFAULT_PROVISIONING_DELAY_MS = 50;

interface PendingChange {
  startedMs: number;
  finish: (() => void)[];
}

export class OctaviaProvisioning {
  behaviour: OctaviaBehaviour = {};
  private readonly pending = new Map<string, PendingChange>();

  constructor(private readonly state: FakeCloudState) {}

  /** Whether Octavia would refuse a change now (409 "immutable"). */
  isImmutable(lb: FakeLoadBalancer): boolean {
    return lb.provisioningStatus.startsWith('PENDING_');
  }

  /**
   * Starts a change of `lb` (already checked not immutable): `objects` go to `status`, the load
   * balancer to PENDING_UPDATE (PENDING_CREATE/DELETE when it is the object itself), and `finish`
   * runs when the provider is done.
   */
  begin(
    lb: FakeLoadBalancer,
    objects: FakeOctaviaObject[],
    status: 'PENDING_CREATE' | 'PENDING_UPDATE' | 'PENDING_DELETE',
    finish: () => void = () => undefined,
  ): void {
    const now = Date.now();
    for (const o of objects) {
      o.provisioningStatus = status;
      o.updatedAt = timestamps.seconds(now);
    }
    if (!objects.includes(lb)) lb.provisioningStatus = 'PENDING_UPDATE';
    this.pending.set(lb.id, {
      startedMs: now,
      finish: [
        () => {
          for (const o of objects)
            if (o.provisioningStatus === status) o.provisioningStatus = 'ACTIVE';
        },
        finish,
      ],
    });
  }

  /**
   * Applies every change that is due. The delay is read now, not when the change began, so a
   * test can hold a load balancer PENDING_* (a long delay) and release it (a short one) at will.
   */
  settle(now = Date.now()): void {
    const delay = this.behaviour.provisioningDelayMs ?? DEFAULT_PROVISIONING_DELAY_MS;
    for (const [lbId, change] of [...this.pending]) {
      if (now - change.startedMs < delay) continue;
      this.pending.delete(lbId);
      for (const step of change.finish) step();
      const lb = this.state.loadBalancers.get(lbId);
      if (lb && lb.provisioningStatus.startsWith('PENDING_')) lb.provisioningStatus = 'ACTIVE';
      if (lb) lb.operatingStatus = 'ONLINE';
      this.refreshOperatingStatuses();
    }
  }

  /** Members follow the monitor (NO_MONITOR without one), as the amphora health manager sets them. */
  refreshOperatingStatuses(): void {
    for (const member of this.state.members.values()) {
      member.operatingStatus = this.memberOperatingStatus(member);
    }
  }

  private memberOperatingStatus(member: FakeMember): string {
    if (!member.adminStateUp) return 'OFFLINE';
    const pool = this.state.pools.get(member.poolId);
    if (!pool?.healthMonitorId) return 'NO_MONITOR';
    const health = this.behaviour.memberHealth?.(member) ?? 'ONLINE';
    if (health === 'ONLINE' && member.weight === 0) return 'DRAINING';
    return health;
  }
}
