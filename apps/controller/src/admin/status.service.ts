import { Inject, Injectable } from '@nestjs/common';
import { Leadership, LEADERSHIP, LeadershipView, SINGLE_CONTROLLER } from '../seams/leadership';
import { CONFIG_ORIGIN, ConfigOrigin } from '../config/config.module';
import { ProviderConfig } from '../config/provider.config';
import { TrafficConfig } from '../config/traffic.config';
import { InstancePool } from '../pool/instance-pool';
import { PoolInstance } from '../pool/pool-instance';
import { TRAFFIC_SELECTOR, TrafficSelector } from '../pool/traffic-selector';
import { CloudApiHealth, CloudApiStatus } from '../providers/cloud-api-health';
import { Clock, CLOCK } from '../clock/clock';
import { RefreshService, RefreshStatus } from '../refresh/refresh.service';
import { RequestCountPolicy } from '../scaling/request-count-policy';
import { LaunchEvent } from '../scaling/scaling-event';
import { ScaleOutGate } from '../scaling/scale-out-gate';
import { ScalingTrafficDirector, TrafficCounters } from '../scaling/scaling-traffic-director';
import { ScalingService } from '../scaling/scaling.service';
import { ScalingStatusView } from '../scaling/scaling-status';
import { AdmissionView, projectAdmission } from '../scaling/admission-phases';
import { WarmPoolService, WarmPoolView } from '../scaling/warm-pool/warm-pool.service';
import { ControllerLifecycle, LifecyclePhase } from './controller-lifecycle';
import { PlacementState, PlacementView } from '../providers/placement/placement-state';
import { ScalingScheduleService, ScheduleView } from '../scaling/schedule/scaling-schedule.service';

export interface InstanceStatusView {
  readonly id: string;
  readonly name: string;
  readonly role: PoolInstance['role'];
  /** Scale-out phase or `admitted` / `deleting`. */
  readonly state: PoolInstance['phase'];
  readonly health: PoolInstance['health'];
  /** Receiving new requests now. */
  readonly serving: boolean;
  readonly ip: string | null;
  readonly port: number | null;
  readonly ageSeconds: number;
  readonly registeredAt: string;
  readonly requestsServed: number;
  readonly inFlight: number;
  readonly lastHealthCheck: PoolInstance['lastCheck'] | null;
}

export interface ControllerStatus {
  readonly lifecycle: LifecyclePhase;
  readonly mode: {
    readonly provider: string;
    readonly traffic: string;
    readonly duringScaleOut: string;
  };
  readonly activeBackend: {
    readonly id: string;
    readonly name: string;
    readonly address: string;
  } | null;
  readonly gate: ReturnType<ScaleOutGate['current']>;
  readonly requests: TrafficCounters & {
    readonly countedSinceLastScaleEvent: number;
    readonly thresholdRequests: number;
  };
  readonly capacity: { readonly instances: number; readonly maxInstances: number };
  readonly instances: InstanceStatusView[];
  readonly scaleOutInProgress: LaunchEvent | null;
  readonly lastScaleEvent: LaunchEvent | null;
  readonly scaleOutBackoff: ReturnType<ScalingService['backoff']>;
  /** Desired vs actual, policies, cooldowns, the last 50 scaling events with their timings. */
  readonly scaling: ScalingStatusView;
  /** `degraded` while the cloud API does not answer (serving goes on; scaling waits). */
  readonly cloudApi: CloudApiStatus;
  /** Instance refresh: the rollout in progress (canary figures), the last ones, pinned and rejected images. */
  readonly refresh: RefreshStatus;
  /** scaling.warmPool: warm servers, refills, a quota refusal. */
  readonly warmPool: WarmPoolView;
  /** Where the time of the last admitted launches went, phase by phase (cold and from the warm pool). */
  readonly admission: AdmissionView;
  readonly config: ConfigOrigin;
  /** Server group, zones, the quota and what holds scale-outs back (issue 18). */
  readonly placement: PlacementView;
  /** scaling.schedule: what is in force and the next three changes; null without a schedule. */
  readonly schedule: ScheduleView | null;
  /** Role in the controller pair: single, leader or standby; lease holder and when it ends. */
  readonly leadership: LeadershipView;
}

/** Assembles /status from the pool, the scaler and the director; secrets are never part of any of them. */
@Injectable()
export class StatusService {
  constructor(
    private readonly lifecycle: ControllerLifecycle,
    private readonly providerConfig: ProviderConfig,
    private readonly trafficConfig: TrafficConfig,
    private readonly pool: InstancePool,
    @Inject(TRAFFIC_SELECTOR) private readonly selector: TrafficSelector,
    private readonly gate: ScaleOutGate,
    private readonly policy: RequestCountPolicy,
    private readonly director: ScalingTrafficDirector,
    private readonly scaling: ScalingService,
    @Inject(CONFIG_ORIGIN) private readonly origin: ConfigOrigin,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly cloudApi: CloudApiHealth,
    private readonly refresh: RefreshService,
    private readonly placement: PlacementState,
    private readonly schedule: ScalingScheduleService,
    private readonly warmPool: WarmPoolService,
    @Inject(LEADERSHIP) private readonly leadership: Leadership = SINGLE_CONTROLLER,
  ) {}

  snapshot(): ControllerStatus {
    const serving = new Set(this.selector.serving().map((instance) => instance.id));
    const active = this.selector.pick();
    const events = this.scaling.events();
    return {
      lifecycle: this.lifecycle.phase,
      mode: {
        provider: this.providerConfig.kind,
        traffic: this.trafficConfig.mode,
        duringScaleOut: this.trafficConfig.duringScaleOut,
      },
      activeBackend: active?.backend
        ? {
            id: active.id,
            name: active.name,
            address: `${active.backend.host}:${active.backend.port}`,
          }
        : null,
      gate: this.gate.current(),
      requests: {
        ...this.director.counters,
        countedSinceLastScaleEvent: this.policy.counted,
        thresholdRequests: this.policy.threshold,
      },
      capacity: {
        instances: this.pool.capacityUsed(),
        maxInstances: this.scaling.snapshot().maxInstances,
      },
      instances: this.pool.list().map((instance) => this.view(instance, serving.has(instance.id))),
      scaleOutInProgress: this.scaling.inProgress() ?? null,
      lastScaleEvent: events[events.length - 1] ?? null,
      scaleOutBackoff: this.scaling.backoff(),
      scaling: this.scaling.statusView(),
      cloudApi: this.cloudApi.status(),
      refresh: this.refresh.status(),
      warmPool: this.warmPool.view(),
      admission: projectAdmission(events),
      config: this.origin,
      placement: this.placement.status(),
      schedule: this.schedule.active ? this.schedule.view() : null,
      leadership: this.leadership.view(),
    };
  }

  private view(instance: PoolInstance, serving: boolean): InstanceStatusView {
    return {
      id: instance.id,
      name: instance.name,
      role: instance.role,
      state: instance.phase,
      health: instance.health,
      serving,
      ip: instance.backend?.host ?? null,
      port: instance.backend?.port ?? null,
      ageSeconds: Math.round((this.clock.nowMs() - instance.registeredAtMs) / 100) / 10,
      registeredAt: instance.registeredAt,
      requestsServed: instance.requestsServed,
      inFlight: instance.inFlight,
      lastHealthCheck: instance.lastCheck ?? null,
    };
  }
}
