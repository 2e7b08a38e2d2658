import { ResourceGoneError, ServerFaultError } from '../../common/errors';
import type { PollSpec } from '../../common/wait';
import type { Server, ServerStatus } from './results';

/** Default failure states while waiting for a server: ERROR ends the wait with Nova's fault. */
export const DEFAULT_SERVER_FAIL_STATES: readonly ServerStatus[] = ['ERROR'];

/** Statuses meaning the server is going away (the wait can never reach another target). */
const GONE_STATES: readonly ServerStatus[] = ['DELETED', 'SOFT_DELETED'];

export function serverStatusWait(
  serverId: string,
  fetch: (signal: AbortSignal | undefined) => Promise<Server | undefined>,
  targets: readonly ServerStatus[],
  failOn: readonly ServerStatus[],
): PollSpec<Server, Server> {
  return {
    resource: 'server',
    id: serverId,
    targetLabel: targets.join(' or '),
    fetch,
    statusOf: (s) => (s ? s.rawStatus : 'DELETED'),
    decide: (s) => {
      if (!s) throw new ResourceGoneError('server', serverId, 'DELETED (404)');
      if (targets.includes(s.status)) return { done: true, value: s };
      if (failOn.includes(s.status))
        throw new ServerFaultError(serverId, s.rawStatus, s.fault?.message, s.fault?.code);
      if (GONE_STATES.includes(s.status))
        throw new ResourceGoneError('server', serverId, s.rawStatus);
      return { done: false };
    },
  };
}

/** Done when GET answers 404 or the status reads DELETED. ERROR does not fail it: Nova can delete ERROR servers. */
export function serverDeletedWait(
  serverId: string,
  fetch: (signal: AbortSignal | undefined) => Promise<Server | undefined>,
  failOn: readonly ServerStatus[],
): PollSpec<Server, void> {
  return {
    resource: 'server',
    id: serverId,
    targetLabel: 'deleted',
    fetch,
    statusOf: (s) => (s ? s.rawStatus : 'DELETED'),
    decide: (s) => {
      if (!s || s.status === 'DELETED') return { done: true, value: undefined };
      if (failOn.includes(s.status))
        throw new ServerFaultError(serverId, s.rawStatus, s.fault?.message, s.fault?.code);
      return { done: false };
    },
  };
}
