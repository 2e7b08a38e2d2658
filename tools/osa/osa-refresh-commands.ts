import type { CommandSpec } from './osa-commands';
import { UsageError } from './osa-errors';
import { ShowOutput } from './output-formatter';

/** `GET /v1/refresh` as the CLI reads it (apps/controller/src/admin/v1/refresh-v1.resources.ts). */
interface TrafficSampleV1 {
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number | null;
}
interface RefreshV1 {
  readonly id: string;
  readonly state: string;
  readonly trigger: string;
  readonly fromImageId: string | null;
  readonly toImageId: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly total: number;
  readonly replaced: number;
  readonly canary: {
    readonly instanceName: string | null;
    readonly weight: number;
    readonly windowMs: number;
    readonly observedMs: number;
    readonly sample: TrafficSampleV1 | null;
    readonly baseline: TrafficSampleV1 | null;
    readonly verdict: string | null;
  };
  readonly reason: string | null;
}
interface RefreshStatusV1 {
  readonly current: RefreshV1 | null;
  readonly history: readonly RefreshV1[];
  readonly pinnedImageId: string | null;
  readonly pinReason: string | null;
  readonly rejectedImageIds: readonly string[];
}

/** `osa refresh start|status|pause|resume|cancel` over /v1/refresh. */
export const REFRESH_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'refresh status',
    usage: 'osa refresh status',
    summary:
      'The instance refresh in progress (or the last one): state, canary figures, batches, pinned image',
    options: [],
    positionals: [],
    run: async ({ client }) => ({
      output: refreshOutput(await client.get<RefreshStatusV1>('/v1/refresh')),
    }),
  },
  {
    name: 'refresh start',
    usage: 'osa refresh start --image ID',
    summary:
      'Roll the group onto image ID: a canary first, then batches (rolls back by itself if the canary is worse)',
    options: ['image'],
    positionals: [],
    run: async ({ client, options }) => {
      if (options.image === undefined || options.image === '')
        throw new UsageError(
          'refresh start needs --image ID (a Glance image id, or a local image store id)',
        );
      return {
        output: refreshOutput(
          await client.post<RefreshStatusV1>('/v1/refresh', { image: options.image }),
        ),
      };
    },
  },
  ...(['pause', 'resume', 'cancel'] as const).map((action): CommandSpec => ({
    name: `refresh ${action}`,
    usage: `osa refresh ${action}`,
    summary: {
      pause: 'Pause the refresh after the batch in progress',
      resume: 'Resume a paused refresh',
      cancel:
        'Stop the refresh: replaced instances stay, a canary being judged is drained and deleted, the old image is pinned',
    }[action],
    options: [],
    positionals: [],
    run: async ({ client }) => ({
      output: refreshOutput(await client.post<RefreshStatusV1>(`/v1/refresh/${action}`, {})),
    }),
  })),
];

function refreshOutput(status: RefreshStatusV1): ShowOutput {
  const run = status.current ?? status.history[status.history.length - 1] ?? null;
  const sample = (figures: TrafficSampleV1 | null): string | null =>
    figures
      ? `${figures.requests} requests, ${figures.errors} errors, p99 ${figures.p99Ms === null ? '-' : `${Math.round(figures.p99Ms)} ms`}`
      : null;
  return {
    kind: 'show',
    fields: {
      refresh: run?.id ?? '(none yet)',
      state: run?.state ?? null,
      trigger: run?.trigger ?? null,
      from_image: run?.fromImageId ?? null,
      to_image: run?.toImageId ?? null,
      replaced: run ? `${run.replaced}/${run.total}` : null,
      canary: run?.canary.instanceName ?? null,
      canary_window: run
        ? `${(run.canary.observedMs / 1000).toFixed(1)}s of ${(run.canary.windowMs / 1000).toFixed(1)}s at ${Math.round(run.canary.weight * 100)}%`
        : null,
      canary_requests: sample(run?.canary.sample ?? null),
      old_requests: sample(run?.canary.baseline ?? null),
      canary_verdict: run?.canary.verdict ?? null,
      reason: run?.reason ?? null,
      started_at: run?.startedAt ?? null,
      finished_at: run?.finishedAt ?? null,
      pinned_image: status.pinnedImageId,
      pin_reason: status.pinReason,
      rejected_images: status.rejectedImageIds.join(', '),
    },
  };
}
