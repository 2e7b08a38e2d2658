import { getJson } from './http-get';
import { httpRequest } from './http-request';

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** One POST on a fresh connection; `body` is sent as JSON (a string is sent as it is, for malformed-input tests). */
export async function postJson(
  host: string,
  port: number,
  path: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<JsonReply> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body ?? {});
  const reply = await httpRequest(host, port, 'POST', path, {
    headers: { 'content-type': 'application/json' },
    body: payload,
    timeoutMs,
  });
  let parsed: unknown = reply.body;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    // not JSON: keep the text
  }
  return { status: reply.status, body: parsed, text: reply.body };
}

/** The part of /status the lifecycle specs read. */
export interface LifecycleStatus {
  instances: Array<{
    id: string;
    name: string;
    role: string;
    state: string;
    health: string;
    serving: boolean;
    ip: string | null;
    inFlight: number;
    requestsServed: number;
  }>;
  gate: { open: boolean };
  scaling: {
    autoscaling: 'active' | 'paused';
    recovered: boolean;
    desiredInstances: number | null;
    actualInstances: number;
    servingInstances: number;
    minInstances: number;
    maxInstances: number;
    policies: Array<Record<string, unknown> & { name: string }>;
    cooldowns: { scaleOutRemainingMs: number; scaleInRemainingMs: number };
    backoff: {
      scaleOut: { consecutiveFailures: number; nextAllowedInMs: number };
      replacement: { consecutiveFailures: number; nextAllowedInMs: number };
    };
    replacementsOwed: number;
    inProgress: Array<Record<string, unknown>>;
    pendingDeletes: Array<{ id: string; name: string }>;
    events: ScalingEventView[];
  };
  cloudApi: {
    state: 'ok' | 'degraded';
    degradedSince: string | null;
    failedCallsInARow: number;
    lastError: string | null;
    outagesRecovered: number;
  };
}

export interface ScalingEventView {
  sequence: number;
  kind: 'scale-out' | 'replacement' | 'adoption' | 'scale-in' | 'heal';
  trigger: string;
  state: string;
  startedAt: string;
  finishedAt?: string;
  instanceName: string;
  instanceId?: string;
  address?: string;
  phaseDurationsMs: Record<string, number>;
  totalMs?: number;
  inFlightAtStart?: number;
  inFlightAtDelete?: number;
  outcome?: string;
  failure?: { phase: string; reason: string; cleanup: string; cloudApiUnavailable: boolean };
}

export function readStatus(admin: { host: string; port: number }): Promise<LifecycleStatus> {
  return getJson<LifecycleStatus>(admin.host, admin.port, '/status');
}

/** Admitted, healthy instances in /status. */
export function healthyInstances(status: LifecycleStatus): LifecycleStatus['instances'] {
  return status.instances.filter(
    (instance) => instance.state === 'admitted' && instance.health === 'healthy',
  );
}

/**
 * Polls /status until `accept` holds; on timeout the error shows the last status and `context()`
 * (the controller's log), so a failure says what the controller was doing.
 */
export async function waitForStatus(
  admin: { host: string; port: number },
  what: string,
  accept: (status: LifecycleStatus) => boolean,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<LifecycleStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await readStatus(admin);
    if (accept(status)) return status;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; instances: ${JSON.stringify(status.instances.map((i) => [i.name, i.state, i.health]))}; ` +
          `scaling: ${JSON.stringify({ ...status.scaling, events: status.scaling.events.map((e) => `${e.kind}#${e.sequence} ${e.state} ${e.trigger}`) })}\n${context()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Asks for `count` instances once restart recovery has listed the group (a desired count is
 * refused with 409 before that: elected or started is not yet recovered), then waits until
 * `count` are healthy and nothing is in progress.
 */
export async function scaleToHealthy(
  admin: { host: string; port: number },
  count: number,
  context: () => string = () => '',
): Promise<LifecycleStatus> {
  await waitForStatus(
    admin,
    'restart recovery done',
    (s) => s.scaling.desiredInstances !== null,
    20_000,
    context,
  );
  const asked = await postJson(admin.host, admin.port, '/scaling/desired', { instances: count });
  if (asked.status !== 202)
    throw new Error(`POST /scaling/desired ${count} answered ${asked.status}: ${asked.text}`);
  return waitForStatus(
    admin,
    `${count} healthy instances`,
    (s) => healthyInstances(s).length === count && s.scaling.inProgress.length === 0,
    30_000,
    context,
  );
}
