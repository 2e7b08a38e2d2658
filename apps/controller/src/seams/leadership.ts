import { EventEmitter } from 'node:events';

/**
 * Who may change the cloud (docs/architecture.md "The controller as a pair"). With
 * `leadership.enabled` two controllers run for one group and only the one holding the lease
 * acts: scaling, healing, restart recovery, and every create/delete through the instance
 * provider ask `isLeader()` first. Without it there is one controller and it always acts.
 * Declared here so scaling/, healing/, recovery/, providers/ and admin/ need not import leadership/.
 */
export type LeadershipRole = 'single' | 'leader' | 'standby';

export interface LeadershipView {
  readonly enabled: boolean;
  readonly role: LeadershipRole;
  /** This controller's id in the lease. */
  readonly holderId: string;
  /** Who holds the lease as last read ("" when nobody). */
  readonly leaseHolder: string;
  /** The Neutron security group holding the lease, and its revision_number as last read. */
  readonly leaseResourceId?: string;
  readonly leaseRevision?: number;
  /** While leader: when this controller stops acting unless a renew is confirmed (wall-clock estimate). */
  readonly actingUntil?: string;
  /** Last line of the election (why standby, since when leader). */
  readonly detail: string;
}

export interface LeadershipEvents {
  /** This controller now holds the lease and may act. */
  elected: [];
  /** It no longer does (the process exits right after: see LeaderElection). */
  'stepped-down': [reason: string];
}

export interface Leadership {
  /** True only while this controller may change the cloud; checked right before each change. */
  isLeader(): boolean;
  /** Resolves once this controller leads (at once for a single controller); rejects when `signal` aborts. */
  whenLeader(signal: AbortSignal): Promise<void>;
  view(): LeadershipView;
  readonly events: EventEmitter<LeadershipEvents>;
}

export const LEADERSHIP = Symbol('LEADERSHIP');

/** `leadership.enabled: false`: the only controller, always acting. */
export class SingleController implements Leadership {
  readonly events = new EventEmitter<LeadershipEvents>();

  isLeader(): boolean {
    return true;
  }

  async whenLeader(): Promise<void> {
    return;
  }

  view(): LeadershipView {
    return {
      enabled: false,
      role: 'single',
      holderId: '',
      leaseHolder: '',
      detail: 'leadership.enabled=false: the only controller, always acting',
    };
  }
}

/** For code built outside Nest (specs) and for optional injection. */
export const SINGLE_CONTROLLER: Leadership = new SingleController();

/** Thrown by a cloud-changing call made while this controller is not the leader. */
export class NotLeaderError extends Error {
  constructor(what: string, view: LeadershipView) {
    super(
      `${what} refused: this controller (${view.holderId}) is ${view.role}, not the leader (lease held by ${view.leaseHolder || 'nobody'})`,
    );
    this.name = 'NotLeaderError';
  }
}
