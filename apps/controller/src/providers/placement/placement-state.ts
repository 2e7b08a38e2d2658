import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/**
 * Why no new instance can be placed now, until capacity changes: a quota the next instance would
 * exceed, or a hard server-group policy Nova cannot satisfy (NoValidHost). While one is set the
 * scaling core holds launches instead of failing them one after another (scaling-decisions.ts
 * `capacity-blocked`), and it is shown on /status, /v1/status, the dashboard and /metrics.
 */
export interface CapacityBlock {
  readonly kind: 'quota' | 'no-valid-host';
  /** One line, said once: which quota and by how much, or which group and what to do. */
  readonly message: string;
  readonly since: string;
  /** For kind quota: the quota and how far over the next instance would take it. */
  readonly quota?: {
    readonly name: 'instances' | 'cores' | 'ram' | (string & {});
    readonly over?: number;
  };
}

/** The project's compute quota as last read from Nova, and the flavor's size. */
export interface QuotaView {
  readonly instances: { readonly limit: number; readonly used: number };
  readonly cores: { readonly limit: number; readonly used: number };
  /** MiB. */
  readonly ramMb: { readonly limit: number; readonly used: number };
  readonly flavor?: { readonly name: string; readonly vcpus: number; readonly ramMb: number };
  readonly readAt: string;
}

export interface PlacementView {
  readonly serverGroup?: { readonly name: string; readonly id?: string; readonly policy: string };
  /** Configured zones with the group's instances in each and, when skipped, until when. */
  readonly zones: readonly {
    readonly zone: string;
    readonly instances: number;
    readonly skippedUntil?: string;
  }[];
  readonly quota?: QuotaView;
  readonly blocked?: CapacityBlock;
}

/**
 * Provider-neutral placement facts (global, like the provider): the OpenStack provider writes
 * them, scaling reads the block and the zones, the admin surfaces and /metrics show them. The
 * local provider never sets anything, so none of it changes how it scales.
 */
@Injectable()
export class PlacementState {
  /** 'cleared': a capacity block ended (capacity changed), so held launches may start. */
  readonly events = new EventEmitter();
  private current: CapacityBlock | undefined;
  private readonly zoneByInstance = new Map<string, string>();
  private view: Omit<PlacementView, 'blocked'> = { zones: [] };

  get block(): CapacityBlock | undefined {
    return this.current;
  }

  /** Sets (or replaces) the block; true when the message changed (the caller logs it once). */
  setBlock(block: CapacityBlock): boolean {
    const changed = this.current?.message !== block.message;
    this.current = block;
    return changed;
  }

  clearBlock(kind?: CapacityBlock['kind']): boolean {
    if (!this.current || (kind && this.current.kind !== kind)) return false;
    this.current = undefined;
    this.events.emit('cleared');
    return true;
  }

  recordZone(instanceId: string, zone: string | undefined): void {
    if (zone) this.zoneByInstance.set(instanceId, zone);
  }

  forget(instanceId: string): void {
    this.zoneByInstance.delete(instanceId);
  }

  zoneOf(instanceId: string): string | undefined {
    return this.zoneByInstance.get(instanceId);
  }

  /** The group's instances per zone, as far as the provider has seen them. */
  zoneCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const zone of this.zoneByInstance.values()) counts.set(zone, (counts.get(zone) ?? 0) + 1);
    return counts;
  }

  publish(view: Omit<PlacementView, 'blocked'>): void {
    this.view = view;
  }

  status(): PlacementView {
    return { ...this.view, blocked: this.current };
  }
}

/** A create refused before calling the cloud, because a capacity block is in force (its message says why). */
export class CapacityBlockedError extends Error {
  constructor(readonly block: CapacityBlock) {
    super(block.message);
    this.name = 'CapacityBlockedError';
  }
}
