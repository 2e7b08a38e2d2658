const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `?since=` of GET /v1/events (and `osa event list --since`): a duration back from `now`
 * (`30s`, `10m`, `2h`, `1d`) or an ISO 8601 time. undefined when it is neither.
 */
export function parseSince(text: string, now: Date): Date | undefined {
  const duration = text.match(/^(\d+)(ms|s|m|h|d)$/);
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]]);
  // Date.parse accepts many shapes: insist on an ISO date first.
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
