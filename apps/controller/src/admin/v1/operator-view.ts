import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { CONFIG_ORIGIN, ConfigOrigin } from '../../config/config.module';
import { ControllerConfig } from '../../config/controller-config';
import { CapacityBounds } from '../../scaling/schedule/capacity-bounds';
import { maskSecretFields } from '../../config/secret-field';
import { Clock, CLOCK } from '../../clock/clock';
import { isLaunchEvent, isRemovalEvent } from '../../scaling/scaling-event-log';
import { ScalingStatusView } from '../../scaling/scaling-status';
import { ActionResult, ScalingActionsService } from '../scaling-actions.service';
import { InstanceStatusView, StatusService } from '../status.service';
import { InstanceImageTracker } from './instance-image-tracker';
import { OperatorEvent, OperatorEventFeed } from './operator-event-feed';
import { parseSince } from './since';
import {
  ActionResultV1,
  ConfigV1,
  EventV1,
  InstanceV1,
  RemovalAcceptedV1,
  ScalingV1,
  StatusV1,
} from './v1-resources';

export const DEFAULT_EVENT_LIMIT = 100;

/**
 * The one adapter between the controller's services (StatusService, ScalingActionsService, the
 * event feed) and the v1 resources. When the scaling internals change, this file changes; the
 * v1 contract, the CLI and the dashboard do not.
 */
@Injectable()
export class OperatorView {
  constructor(
    private readonly status: StatusService,
    private readonly actions: ScalingActionsService,
    private readonly feed: OperatorEventFeed,
    private readonly images: InstanceImageTracker,
    private readonly bounds: CapacityBounds,
    private readonly config: ControllerConfig,
    @Inject(CONFIG_ORIGIN) private readonly origin: ConfigOrigin,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  summary(): StatusV1 {
    const snapshot = this.status.snapshot();
    const { gate } = snapshot;
    const queueDepth = snapshot.requests.queue.waiting;
    const gateState = !gate.open ? 'rejecting' : queueDepth > 0 ? 'queueing' : 'open';
    return {
      lifecycle: snapshot.lifecycle,
      provider: snapshot.mode.provider,
      traffic: snapshot.mode.traffic,
      duringScaleOut: snapshot.mode.duringScaleOut,
      scaling: scalingOf(snapshot.scaling),
      gate: {
        state: gateState,
        reason: gate.open
          ? queueDepth > 0
            ? 'no healthy instance: requests are held until one is admitted'
            : null
          : gate.reason,
        since: gate.open ? null : gate.closedAt,
        queueDepth,
      },
      cloudApi: {
        state: snapshot.cloudApi.state,
        degradedSince: snapshot.cloudApi.degradedSince,
        lastError: snapshot.cloudApi.lastError,
      },
      warmPool: {
        size: snapshot.warmPool.size,
        warm: snapshot.warmPool.warm,
        filling: snapshot.warmPool.filling,
        quotaRefusedSince: snapshot.warmPool.quotaRefused?.since ?? null,
        quotaRefusal: snapshot.warmPool.quotaRefused?.message ?? null,
      },
      requests: {
        received: snapshot.requests.received,
        forwarded: snapshot.requests.forwarded,
        rejectedWhileScaling: snapshot.requests.rejectedWhileScaling,
        rejectedNoBackend: snapshot.requests.rejectedNoBackend,
      },
      activeInstance: snapshot.activeBackend?.name ?? null,
      placement: { ...snapshot.placement, zones: [...snapshot.placement.zones] },
      schedule: snapshot.schedule
        ? { inForce: snapshot.schedule.inForce, next: [...snapshot.schedule.next] }
        : null,
    };
  }

  instances(): InstanceV1[] {
    return this.status.snapshot().instances.map((instance) => this.instanceOf(instance));
  }

  instance(idOrName: string): InstanceV1 {
    const all = this.instances();
    const found =
      all.find((instance) => instance.id === idOrName) ??
      all.find((instance) => instance.name === idOrName);
    if (!found) {
      throw new NotFoundException(
        `id = ${JSON.stringify(idOrName)}: no such instance; known: ${all.map((i) => `${i.name} (${i.id})`).join(', ') || 'none'}`,
      );
    }
    return found;
  }

  /** Newest first, filtered by start time. */
  events(since: string | undefined, limit: number | undefined): EventV1[] {
    const from = since === undefined ? undefined : parseSince(since, this.clock.now());
    const events = this.feed
      .list()
      .filter((event) => from === undefined || Date.parse(event.startedAt) >= from.getTime());
    return events.slice(0, limit ?? DEFAULT_EVENT_LIMIT).map(eventOf);
  }

  removeInstance(idOrName: string, replace: boolean): RemovalAcceptedV1 {
    const instance = this.instance(idOrName);
    const result = this.actions.removeInstance(
      instance.id,
      replace,
      `DELETE /v1/instances/${idOrName}${replace ? '?replace=true' : ''}`,
    );
    return { ...actionOf(result), instance };
  }

  /** `paused` first, so `{desired, paused: true}` pins the count the policies would otherwise move. */
  setScaling(
    desired: number | undefined,
    paused: boolean | undefined,
    reason: string | undefined,
  ): ActionResultV1 {
    if (desired === undefined && paused === undefined) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: ['body = {}: give desired (an integer) and/or paused (true or false)'],
      });
    }
    const { minInstances, maxInstances } = this.bounds;
    if (desired !== undefined && (desired < minInstances || desired > maxInstances)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: [
          `desired = ${desired}: must be from scaling.minInstances (${minInstances}) to scaling.maxInstances (${maxInstances})`,
        ],
      });
    }
    const messages: string[] = [];
    let changed = false;
    let last: ActionResult | undefined;
    if (paused !== undefined) {
      last = paused
        ? this.actions.pause(reason ?? 'PUT /v1/scaling')
        : this.actions.resume(reason ?? 'PUT /v1/scaling');
      changed ||= last.changed;
      messages.push(last.message);
    }
    if (desired !== undefined) {
      last = this.actions.scaleTo(desired, reason ?? 'PUT /v1/scaling');
      changed ||= last.changed;
      messages.push(last.message);
    }
    return {
      changed,
      message: messages.join('; '),
      scaling: scalingOf((last as ActionResult).scaling),
    };
  }

  effectiveConfig(): ConfigV1 {
    return {
      origin: { ...this.origin },
      config: maskSecretFields(this.config) as Record<string, unknown>,
    };
  }

  private instanceOf(view: InstanceStatusView): InstanceV1 {
    return {
      id: view.id,
      name: view.name,
      role: view.role,
      phase: view.state,
      health: view.health,
      serving: view.serving,
      address: view.ip !== null && view.port !== null ? `${view.ip}:${view.port}` : null,
      createdAt: view.registeredAt,
      ageSeconds: view.ageSeconds,
      requestsServed: view.requestsServed,
      inFlight: view.inFlight,
      image: this.images.of(view.id),
      lastHealthCheck: view.lastHealthCheck ?? null,
    };
  }
}

export function scalingOf(view: ScalingStatusView): ScalingV1 {
  return {
    autoscaling: view.autoscaling,
    desired: view.desiredInstances,
    actual: view.actualInstances,
    serving: view.servingInstances,
    minInstances: view.minInstances,
    maxInstances: view.maxInstances,
    inProgress: view.inProgress.length,
  };
}

function actionOf(result: ActionResult): ActionResultV1 {
  return { changed: result.changed, message: result.message, scaling: scalingOf(result.scaling) };
}

export function eventOf(event: OperatorEvent): EventV1 {
  const detail = event.detail;
  let outcome: string | null = null;
  if (detail && isLaunchEvent(detail) && detail.failure)
    outcome = `failed in ${detail.failure.phase}: ${detail.failure.reason}; cleanup: ${detail.failure.cleanup}`;
  else if (detail && isLaunchEvent(detail) && detail.state === 'admitted')
    outcome = `admitted at ${detail.address ?? 'its address'}`;
  else if (detail && isRemovalEvent(detail)) outcome = detail.outcome ?? null;
  else if (event.kind === 'traffic-switch')
    outcome = `${event.transitions[0].from ?? '(none)'} -> ${event.instanceName}`;
  return {
    id: event.id,
    kind: event.kind,
    sequence: event.sequence,
    trigger: event.trigger,
    state: event.state,
    instanceName: event.instanceName,
    instanceId: event.instanceId,
    startedAt: event.startedAt,
    finishedAt: event.finishedAt,
    outcome,
    phaseDurationsMs: { ...(detail?.phaseDurationsMs ?? {}) } as Record<string, number>,
    transitions: [...event.transitions],
  };
}
