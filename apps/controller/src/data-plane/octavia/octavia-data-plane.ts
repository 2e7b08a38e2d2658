import { Logger } from '@nestjs/common';
import type { LoadBalancerStats, OpenStackClient } from '@osa/openstack-client';
import type { Clock } from '../../clock/clock';
import type { OctaviaDataPlaneConfig } from '../../config/octavia-data-plane.config';
import type {
  DataPlane,
  DataPlaneCounters,
  DataPlaneMember,
  DataPlaneStatus,
  RejectAnswer,
} from '../../seams/data-plane';
import { type Leadership, NotLeaderError, SINGLE_CONTROLLER } from '../../seams/leadership';
import { isOwnedMember, planMembers } from './octavia-member-plan';
import { setUpLoadBalancer, type OctaviaTopology } from './octavia-load-balancer-setup';
import { OctaviaTrafficEstimate } from './octavia-traffic-estimate';

export interface OctaviaDataPlaneOptions {
  config: OctaviaDataPlaneConfig;
  client: OpenStackClient;
  clock: Clock;
  /**
   * Who may change the load balancer (leadership.enabled: only the lease holder). Checked right
   * before every create and every member update, not only when one is asked for: a change can
   * wait for ACTIVE for up to changeTimeoutMs, longer than a lost lease lets this controller act.
   */
  leadership?: Leadership;
}

interface Waiter {
  generation: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * `dataPlane.kind: octavia`: the DataPlane seam on an OpenStack load balancer.
 *
 * Member changes are declarative (the whole desired set) and go to Octavia as ONE batch member
 * update each. Octavia refuses any change while the load balancer is PENDING_* (409), so changes
 * are queued and coalesced: while one is being applied, newer sets replace each other and only
 * the latest is sent once the load balancer is ACTIVE again; the client resends a 409 boundedly.
 * A set equal to what Octavia already has sends nothing.
 *
 * The load balancer outlives the controller (that is the point: clients do not pass through the
 * controller); `stop` leaves it serving with its last members.
 */
export class OctaviaDataPlane implements DataPlane {
  /** The load balancer keeps serving with its last members while no controller runs. */
  readonly membersOutliveController = true;
  private readonly logger = new Logger('OctaviaDataPlane');
  private readonly shutdown = new AbortController();
  private readonly estimate: OctaviaTrafficEstimate;
  private topology: OctaviaTopology | undefined;
  private state: DataPlaneStatus['state'] = 'stopped';
  private detail = 'not started';
  private desired: readonly DataPlaneMember[] = [];
  private disableAll = false;
  /** False after a (re)start until the control plane names a ready member (see planMembers). */
  private pruneStale = false;
  private generation = 0;
  private appliedGeneration = 0;
  private syncing = false;
  private readonly waiters: Waiter[] = [];
  private lastStats: { stats: LoadBalancerStats; atMs: number } | undefined;
  /** Batch updates sent so far (for status and tests). */
  changesSent = 0;

  constructor(private readonly options: OctaviaDataPlaneOptions) {
    this.estimate = new OctaviaTrafficEstimate(options.config.drainGraceMs);
  }

  async start(): Promise<void> {
    this.state = 'starting';
    try {
      this.topology = await setUpLoadBalancer({
        client: this.options.client,
        config: this.options.config,
        signal: this.shutdown.signal,
        log: (line) => this.logger.log(line),
        beforeChange: (what) => this.mayChange(what),
      });
    } catch (error) {
      this.state = 'failed';
      this.detail = (error as Error).message;
      throw error;
    }
    const members = await this.listMembers();
    const owned = members.filter(isOwnedMember).length;
    this.state = 'running';
    this.describe(members.length);
    this.logger.log(
      `pool ${this.topology.pool.id}: ${owned} member(s) of ours, ${members.length - owned} other(s) left as they are; members are reconciled once the group's ready instances are known`,
    );
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.shutdown.abort();
    this.state = 'stopped';
    this.detail = `${this.detail} (stopped; the load balancer keeps serving)`;
  }

  applyMembers(members: readonly DataPlaneMember[]): Promise<void> {
    this.desired = [...members];
    if (members.some((m) => m.state === 'ready')) this.pruneStale = true;
    return this.requestSync();
  }

  async setRejectWhileScaling(answer: RejectAnswer | undefined): Promise<void> {
    // keep-serving: the seed's switch semantics; the previous members stay until the new one is ready.
    if (this.options.config.whileScaling !== 'empty-pool') return;
    const disable = answer !== undefined;
    if (disable === this.disableAll) return;
    this.disableAll = disable;
    await this.requestSync();
  }

  async readCounters(): Promise<DataPlaneCounters> {
    const topology = this.requireTopology();
    const nowMs = this.options.clock.nowMs();
    if (!this.lastStats || nowMs - this.lastStats.atMs >= this.options.config.statsIntervalMs) {
      const stats = await this.options.client.loadBalancer.listeners.stats(topology.listener.id, {
        signal: this.shutdown.signal,
      });
      this.lastStats = { stats, atMs: nowMs };
    }
    return this.estimate.counters(this.lastStats.stats, nowMs, this.desired);
  }

  status(): DataPlaneStatus {
    return { kind: 'octavia', state: this.state, detail: this.detail, restarts: 0 };
  }

  /** The VIP clients connect to (after start). */
  get vip(): { address: string; port: number } {
    const topology = this.requireTopology();
    return { address: topology.loadBalancer.vipAddress, port: topology.listener.protocolPort };
  }

  get ids(): { loadBalancerId: string; listenerId: string; poolId: string } {
    const t = this.requireTopology();
    return { loadBalancerId: t.loadBalancer.id, listenerId: t.listener.id, poolId: t.pool.id };
  }

  // ---- member sync: one change at a time, the latest set wins --------------------------------

  private requestSync(): Promise<void> {
    const generation = ++this.generation;
    const done = new Promise<void>((resolve, reject) =>
      this.waiters.push({ generation, resolve, reject }),
    );
    if (!this.syncing) {
      this.syncing = true;
      void this.syncLoop();
    }
    return done;
  }

  /** Runs until every requested set is covered; `syncing` is cleared in the same turn the loop sees nothing left. */
  private async syncLoop(): Promise<void> {
    try {
      while (this.appliedGeneration < this.generation) {
        let generation = this.generation;
        try {
          // Another change (ours or someone else's) may be in progress: Octavia would refuse ours.
          await this.waitActive();
          // What was asked while we waited replaces what was asked before: only the latest is sent.
          generation = this.generation;
          const desired = this.desired;
          await this.syncOnce(desired);
          this.appliedGeneration = generation;
          this.estimate.applied(desired, this.options.clock.nowMs());
          this.settleWaiters(generation);
        } catch (error) {
          this.appliedGeneration = generation; // the caller calls again with the then-current set
          this.settleWaiters(generation, error as Error);
          if (this.shutdown.signal.aborted)
            this.settleWaiters(Number.POSITIVE_INFINITY, error as Error);
        }
      }
    } finally {
      this.syncing = false;
    }
  }

  private waitActive() {
    const { client, config } = this.options;
    return client.loadBalancer.loadBalancers.waitForStatus(this.requireTopology().loadBalancer.id, {
      target: 'ACTIVE',
      timeoutMs: config.changeTimeoutMs,
      intervalMs: 100,
      maxIntervalMs: 500,
      signal: this.shutdown.signal,
    });
  }

  private async syncOnce(desired: readonly DataPlaneMember[]): Promise<void> {
    const topology = this.requireTopology();
    const current = await this.listMembers();
    const plan = planMembers({
      current,
      desired,
      disableAll: this.disableAll,
      pruneStale: this.pruneStale,
    });
    if (!plan.changed) return;
    this.mayChange(`update the members of pool ${topology.pool.id}`);
    await this.options.client.loadBalancer.members.batchUpdate(topology.pool.id, plan.members, {
      signal: this.shutdown.signal,
    });
    this.changesSent += 1;
    await this.waitActive();
    this.describe(plan.members.length);
    this.logger.log(
      `members: ${[plan.added.length ? `added ${plan.added.join(', ')}` : '', plan.updated.length ? `changed ${plan.updated.join(', ')}` : '', plan.removed.length ? `removed ${plan.removed.join(', ')}` : ''].filter(Boolean).join('; ')}`,
    );
  }

  /** A standby (or a leader past its acting deadline) keeps its hands off Octavia. */
  private mayChange(what: string): void {
    const leadership = this.options.leadership ?? SINGLE_CONTROLLER;
    if (!leadership.isLeader()) throw new NotLeaderError(what, leadership.view());
  }

  private settleWaiters(generation: number, error?: Error): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter.generation > generation) continue;
      this.waiters.splice(i, 1);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private listMembers() {
    const topology = this.requireTopology();
    return this.options.client.loadBalancer.members
      .list(topology.pool.id, { signal: this.shutdown.signal })
      .toArray();
  }

  private describe(memberCount: number): void {
    const t = this.requireTopology();
    this.detail = `load balancer ${t.loadBalancer.name} (${t.loadBalancer.id}) at ${t.loadBalancer.vipAddress}:${t.listener.protocolPort}, pool ${t.pool.id} with ${memberCount} member(s)`;
  }

  private requireTopology(): OctaviaTopology {
    if (!this.topology) throw new Error('the Octavia data plane is not started');
    return this.topology;
  }
}
