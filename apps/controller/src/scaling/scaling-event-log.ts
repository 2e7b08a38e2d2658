import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { LaunchEvent, REMOVAL_KINDS, RemovalEvent, ScalingEvent } from './scaling-event';

/** How many finished scaling events /status keeps. */
export const SCALING_EVENTS_KEPT = 50;

export interface ScalingEventLogEvents {
  started: [event: ScalingEvent];
  finished: [event: ScalingEvent];
}

/**
 * The numbered record of every scaling event (scale-out, replacement, adoption, scale-in, heal):
 * one sequence for all, the ones in progress, and the last 50 finished. Metrics hang on `events`.
 */
@Injectable()
export class ScalingEventLog {
  readonly events = new EventEmitter<ScalingEventLogEvents>();
  private sequence = 0;
  private readonly running = new Set<ScalingEvent>();
  private readonly finishedEvents: ScalingEvent[] = [];

  nextSequence(): number {
    return ++this.sequence;
  }

  started(event: ScalingEvent): void {
    this.running.add(event);
    this.events.emit('started', event);
  }

  finished(event: ScalingEvent): void {
    this.running.delete(event);
    this.finishedEvents.push(event);
    if (this.finishedEvents.length > SCALING_EVENTS_KEPT) this.finishedEvents.shift();
    this.events.emit('finished', event);
  }

  inProgress(): ScalingEvent[] {
    return [...this.running];
  }

  /** Finished events, oldest first (at most 50). */
  recent(): readonly ScalingEvent[] {
    return this.finishedEvents;
  }

  /** Finished launches only: scale-outs, replacements and adoptions (/status `lastScaleEvent`). */
  recentLaunchEvents(): LaunchEvent[] {
    return this.finishedEvents.filter(isLaunchEvent);
  }
}

export function isLaunchEvent(event: ScalingEvent): event is LaunchEvent {
  return !REMOVAL_KINDS.includes(event.kind);
}

export function isRemovalEvent(event: ScalingEvent): event is RemovalEvent {
  return !isLaunchEvent(event);
}
