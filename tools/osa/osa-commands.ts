import { OsaClient, StreamMessage } from './osa-client';
import { UsageError } from './osa-errors';
import {
  ActionResultV1,
  ConfigV1,
  EventV1,
  InstanceV1,
  PhaseTransitionV1,
  ScalingV1,
  StatusV1,
} from './osa-resources';
import { Cell, ListOutput, ShowOutput } from './output-formatter';
import { REFRESH_COMMANDS } from './osa-refresh-commands';

/** What a command produced: something to render, and/or lines already streamed. */
export type CommandResult = ListOutput | ShowOutput;

export interface CommandOptions {
  readonly replace: boolean;
  readonly desired?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly follow: boolean;
  /** With --follow: give up after this long without a message (0: never). */
  readonly idleTimeoutMs: number;
  readonly json: boolean;
  /** `refresh start --image ID`. */
  readonly image?: string;
}

export interface CommandContext {
  readonly client: OsaClient;
  readonly options: CommandOptions;
  readonly positionals: readonly string[];
  readonly print: (line: string) => void;
  readonly signal: AbortSignal;
}

export interface CommandSpec {
  /** `instance show`, as typed. */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Options this command accepts beyond the global ones. */
  readonly options: ReadonlyArray<keyof CommandOptions>;
  readonly positionals: readonly string[];
  /** Prints something of its own before the rendered result (e.g. `--follow` lines after the list). */
  readonly run: (
    context: CommandContext,
  ) => Promise<{ output?: CommandResult; after?: () => Promise<void> }>;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'status',
    usage: 'osa status',
    summary: 'Summary: desired/actual instances, autoscaling, gate, cloud API',
    options: [],
    positionals: [],
    run: async ({ client }) => ({ output: statusOutput(await client.get<StatusV1>('/v1/status')) }),
  },
  {
    name: 'instance list',
    usage: 'osa instance list',
    summary: 'Every instance with its phase, health, address and load',
    options: [],
    positionals: [],
    run: async ({ client }) => ({
      output: instanceList(
        (await client.get<{ instances: InstanceV1[] }>('/v1/instances')).instances,
      ),
    }),
  },
  {
    name: 'instance show',
    usage: 'osa instance show ID',
    summary: 'One instance, by id or name',
    options: [],
    positionals: ['ID'],
    run: async ({ client, positionals }) => ({
      output: instanceShow(
        await client.get<InstanceV1>(`/v1/instances/${encodeURIComponent(positionals[0])}`),
      ),
    }),
  },
  {
    name: 'instance remove',
    usage: 'osa instance remove ID [--replace]',
    summary: 'Drain and remove an instance (--replace: start a new one in its place)',
    options: ['replace'],
    positionals: ['ID'],
    run: async ({ client, positionals, options }) => {
      const path = `/v1/instances/${encodeURIComponent(positionals[0])}${options.replace ? '?replace=true' : ''}`;
      return { output: actionOutput(await client.delete<ActionResultV1>(path)) };
    },
  },
  {
    name: 'scale set',
    usage: 'osa scale set --desired N',
    summary: 'Set the desired number of instances (the original included)',
    options: ['desired'],
    positionals: [],
    run: async ({ client, options }) => {
      if (options.desired === undefined) throw new UsageError('scale set needs --desired N');
      if (!/^\d+$/.test(options.desired))
        throw new UsageError(
          `--desired = ${JSON.stringify(options.desired)}: must be a whole number of instances`,
        );
      return {
        output: actionOutput(
          await client.put<ActionResultV1>('/v1/scaling', { desired: Number(options.desired) }),
        ),
      };
    },
  },
  {
    name: 'scale pause',
    usage: 'osa scale pause',
    summary: 'Stop the autoscaling policies from moving the desired count',
    options: [],
    positionals: [],
    run: async ({ client }) => ({
      output: actionOutput(await client.put<ActionResultV1>('/v1/scaling', { paused: true })),
    }),
  },
  {
    name: 'scale resume',
    usage: 'osa scale resume',
    summary: 'Let the autoscaling policies move the desired count again',
    options: [],
    positionals: [],
    run: async ({ client }) => ({
      output: actionOutput(await client.put<ActionResultV1>('/v1/scaling', { paused: false })),
    }),
  },
  {
    name: 'event list',
    usage: 'osa event list [--since 10m] [--limit N] [--follow [--idle-timeout 30s]]',
    summary:
      'Scale, heal, adoption and traffic-switch events, newest first; --follow prints each change as it happens',
    options: ['since', 'limit', 'follow', 'idleTimeoutMs'],
    positionals: [],
    run: async ({ client, options, print, signal }) => {
      const query = new URLSearchParams();
      if (options.since !== undefined) query.set('since', options.since);
      if (options.limit !== undefined) query.set('limit', options.limit);
      const path = `/v1/events${query.size ? `?${query}` : ''}`;
      const { events } = await client.get<{ events: EventV1[] }>(path);
      const after = options.follow
        ? () =>
            client.stream(
              (message: StreamMessage) => {
                if (message.type !== 'event') return;
                const { event, transition } = message.data as {
                  event: EventV1;
                  transition: PhaseTransitionV1;
                };
                print(
                  options.json
                    ? JSON.stringify({ event: { ...event, transitions: undefined }, transition })
                    : followLine(event, transition),
                );
              },
              signal,
              options.idleTimeoutMs,
            )
        : undefined;
      return { output: eventList(events), after };
    },
  },
  {
    name: 'config show',
    usage: 'osa config show',
    summary: 'The effective configuration, secrets masked',
    options: [],
    positionals: [],
    run: async ({ client }) => {
      const { config, origin } = await client.get<ConfigV1>('/v1/config');
      return {
        output: {
          kind: 'show',
          fields: {
            ...flatten(config),
            'origin.file': (origin.file as string | null) ?? '(built-in defaults)',
          },
        },
      };
    },
  },
  ...REFRESH_COMMANDS,
];

/** `osa status` fields (exported for its spec). */
export function statusOutput(status: StatusV1): ShowOutput {
  return {
    kind: 'show',
    fields: {
      lifecycle: status.lifecycle,
      provider: status.provider,
      traffic: status.traffic,
      during_scale_out: status.duringScaleOut,
      ...scalingFields(status.scaling),
      gate: status.gate.state,
      gate_reason: status.gate.reason,
      queue_depth: status.gate.queueDepth,
      cloud_api:
        status.cloudApi.state === 'ok' ? 'ok' : `degraded since ${status.cloudApi.degradedSince}`,
      active_instance: status.activeInstance,
      requests_received: status.requests.received,
      requests_rejected_while_scaling: status.requests.rejectedWhileScaling,
      ...placementFields(status),
    },
  };
}

/** Placement and scheduled capacity (issue 18): what holds scale-outs, the quota, zones, the next three scheduled changes. */
function placementFields(status: StatusV1): Record<string, Cell> {
  const placement = status.placement;
  const quota = placement?.quota;
  const use = (u: { limit: number; used: number }): string =>
    `${u.used}/${u.limit < 0 ? 'unlimited' : u.limit}`;
  const change = (c: NonNullable<StatusV1['schedule']>['next'][number]): string => {
    const sets = [
      c.minInstances !== undefined && `min ${c.minInstances}`,
      c.maxInstances !== undefined && `max ${c.maxInstances}`,
      c.desired !== undefined && `desired ${c.desired}`,
    ]
      .filter(Boolean)
      .join(', ');
    return `${c.at} ${c.entry}: ${sets}`;
  };
  return {
    scale_out_blocked: placement?.blocked ? placement.blocked.message : null,
    server_group: placement?.serverGroup
      ? `${placement.serverGroup.name} (${placement.serverGroup.policy})`
      : null,
    zones:
      placement && placement.zones.length > 0
        ? placement.zones
            .map(
              (z) =>
                `${z.zone}=${z.instances}${z.skippedUntil ? ` (skipped until ${z.skippedUntil})` : ''}`,
            )
            .join(' ')
        : null,
    quota: quota
      ? `instances ${use(quota.instances)}, cores ${use(quota.cores)}, ram MiB ${use(quota.ramMb)}`
      : null,
    next_scheduled_changes: status.schedule
      ? status.schedule.next.map(change).join('; ') || 'none'
      : null,
  };
}

function scalingFields(scaling: ScalingV1): Record<string, Cell> {
  return {
    autoscaling: scaling.autoscaling,
    desired: scaling.desired,
    actual: scaling.actual,
    serving: scaling.serving,
    min_instances: scaling.minInstances,
    max_instances: scaling.maxInstances,
    in_progress: scaling.inProgress,
  };
}

function actionOutput(result: ActionResultV1): ShowOutput {
  return {
    kind: 'show',
    fields: { changed: result.changed, message: result.message, ...scalingFields(result.scaling) },
  };
}

const INSTANCE_COLUMNS = [
  'ID',
  'Name',
  'Role',
  'Phase',
  'Health',
  'Address',
  'Age',
  'Requests',
  'In-flight',
  'Image',
];

function instanceRow(instance: InstanceV1): Record<string, Cell> {
  return {
    ID: instance.id,
    Name: instance.name,
    Role: instance.role,
    Phase: instance.phase,
    Health: instance.health,
    Address: instance.address,
    Age: `${Math.round(instance.ageSeconds)}s`,
    Requests: instance.requestsServed,
    'In-flight': instance.inFlight,
    Image: instance.image?.id ?? '',
  };
}

function instanceList(instances: InstanceV1[]): ListOutput {
  return { kind: 'list', columns: INSTANCE_COLUMNS, rows: instances.map(instanceRow) };
}

function instanceShow(instance: InstanceV1): ShowOutput {
  return {
    kind: 'show',
    fields: {
      id: instance.id,
      name: instance.name,
      role: instance.role,
      phase: instance.phase,
      health: instance.health,
      serving: instance.serving,
      address: instance.address,
      created_at: instance.createdAt,
      age_seconds: instance.ageSeconds,
      requests_served: instance.requestsServed,
      in_flight: instance.inFlight,
      image_id: instance.image?.id ?? null,
      image_baked_at: instance.image?.bakedAt ?? null,
      last_health_check: instance.lastHealthCheck
        ? `${instance.lastHealthCheck.ok ? 'ok' : 'failed'}: ${instance.lastHealthCheck.detail} at ${instance.lastHealthCheck.at}`
        : null,
    },
  };
}

const EVENT_COLUMNS = [
  'Started',
  'Kind',
  'Instance',
  'State',
  'Phases',
  'Total',
  'Trigger',
  'Outcome',
];

function eventList(events: EventV1[]): ListOutput {
  return {
    kind: 'list',
    columns: EVENT_COLUMNS,
    rows: events.map((event) => ({
      Started: event.startedAt,
      Kind: event.sequence === null ? event.kind : `${event.kind} #${event.sequence}`,
      Instance: event.instanceName,
      State: event.state,
      Phases: event.transitions
        .slice(1)
        .map((step) => `${step.from} ${seconds(step.elapsedMs)}`)
        .join(' > '),
      Total:
        event.transitions.length > 1
          ? seconds(event.transitions[event.transitions.length - 1].totalMs)
          : '',
      Trigger: event.trigger,
      Outcome: event.outcome,
    })),
  };
}

/** One `--follow` line: what changed, how long the phase it left took, and the total so far. */
export function followLine(event: EventV1, transition: PhaseTransitionV1): string {
  const label = `${event.kind}${event.sequence === null ? '' : ` #${event.sequence}`} ${event.instanceName}`;
  if (event.kind === 'traffic-switch')
    return `${transition.at} ${label}: ${transition.from ?? '(none)'} -> ${event.instanceName}`;
  if (transition.from === null)
    return `${transition.at} ${label}: started in ${transition.to} (${event.trigger})`;
  const outcome = event.finishedAt && event.outcome ? `: ${event.outcome}` : '';
  return `${transition.at} ${label}: ${transition.from} -> ${transition.to} after ${seconds(transition.elapsedMs)} (total ${seconds(transition.totalMs)})${outcome}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** `{scaling: {maxInstances: 3}}` -> `{"scaling.maxInstances": 3}`; lists as JSON text. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [key, field] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (field !== null && typeof field === 'object' && !Array.isArray(field))
      Object.assign(out, flatten(field as Record<string, unknown>, name));
    else out[name] = Array.isArray(field) ? JSON.stringify(field) : (field as Cell);
  }
  return out;
}
