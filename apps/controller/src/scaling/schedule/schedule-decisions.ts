import { CronTime } from 'cron';

/**
 * Scheduled capacity (`scaling.schedule`) as pure functions of the entries and a wall-clock time:
 * which minInstances / maxInstances / desired are in force at time T, and the next changes. The
 * cron arithmetic is the `cron` package's (the engine of @nestjs/schedule), so a schedule means
 * exactly what a Nest @Cron of the same expression would; nothing here reads a clock or sets a
 * timer. AWS scheduled actions' semantics: each entry sets only the fields it names, from the
 * moment it fires until another entry sets the same field; a scheduled desired is still clamped
 * by the min/max in force, and the policies keep moving the desired count afterwards.
 */

/** One `scaling.schedule` entry as the decisions see it. */
export interface ScheduleEntry {
  /** Position in `scaling.schedule` (what the log and /status call it when it has no name). */
  readonly index: number;
  readonly name?: string;
  /** Five fields (minute first), or six with seconds first, as @nestjs/schedule's @Cron takes them. */
  readonly cron: string;
  /** IANA time zone the expression is read in (e.g. Europe/Berlin). */
  readonly timeZone: string;
  readonly minInstances?: number;
  readonly maxInstances?: number;
  readonly desired?: number;
}

/** What the configuration says without a schedule. */
export interface CapacityBase {
  readonly minInstances: number;
  readonly maxInstances: number;
}

/** Which entry set a value, and when (ms since epoch). */
export interface ScheduleSource {
  readonly entry: string;
  readonly firedAtMs: number;
}

export interface CapacityInForce {
  readonly minInstances: number;
  readonly maxInstances: number;
  /** The last scheduled desired count (unclamped) and when it was set; undefined when none has fired. */
  readonly desired?: { readonly count: number } & ScheduleSource;
  readonly minSource?: ScheduleSource;
  readonly maxSource?: ScheduleSource;
}

export interface ScheduledChange {
  readonly atMs: number;
  readonly entry: string;
  readonly minInstances?: number;
  readonly maxInstances?: number;
  readonly desired?: number;
}

/**
 * How far back an entry's last occurrence is looked for, in growing windows (so a per-second
 * entry costs a few steps and a yearly one too). An entry that did not fire within the last
 * ~4 years (Feb 29 fits) is not in force.
 */
const LOOKBACK_WINDOWS_MS = [
  2_000,
  60_000,
  3_600_000,
  86_400_000,
  8 * 86_400_000,
  32 * 86_400_000,
  367 * 86_400_000,
  4 * 366 * 86_400_000,
];
const MAX_STEPS_PER_WINDOW = 10_000;

/** The display name of an entry: its `name`, else `schedule[i] (cron, tz)`. */
export function entryLabel(entry: ScheduleEntry): string {
  return entry.name ?? `schedule[${entry.index}] "${entry.cron}" ${entry.timeZone}`;
}

/** The first occurrence strictly after `afterMs`. */
export function nextOccurrence(entry: ScheduleEntry, afterMs: number): number {
  return new CronTime(entry.cron, entry.timeZone)
    .getNextDateFrom(new Date(afterMs), entry.timeZone)
    .toMillis();
}

/** The last occurrence at or before `atMs`, or undefined when none within the look-back. */
export function lastOccurrence(entry: ScheduleEntry, atMs: number): number | undefined {
  const time = new CronTime(entry.cron, entry.timeZone);
  for (const windowMs of LOOKBACK_WINDOWS_MS) {
    let last: number | undefined;
    let cursor = atMs - windowMs;
    for (let step = 0; step < MAX_STEPS_PER_WINDOW; step++) {
      const next = time.getNextDateFrom(new Date(cursor), entry.timeZone).toMillis();
      if (next > atMs) break;
      last = next;
      cursor = next;
    }
    if (last !== undefined) return last;
  }
  return undefined;
}

/**
 * The capacity in force at `atMs`: per field, the value of the entry that fired last (at or
 * before `atMs`); a later entry in the list wins a tie. Restart-safe by construction: it depends
 * only on the entries and the time, so a controller started at 10:00 applies the 09:00 entry,
 * never one it "missed". maxInstances is never below minInstances (max follows min up).
 */
export function capacityInForce(
  entries: readonly ScheduleEntry[],
  base: CapacityBase,
  atMs: number,
): CapacityInForce {
  let min: { value: number; source: ScheduleSource } | undefined;
  let max: { value: number; source: ScheduleSource } | undefined;
  let desired: { value: number; source: ScheduleSource } | undefined;
  const newer = (current: { source: ScheduleSource } | undefined, firedAtMs: number): boolean =>
    current === undefined || firedAtMs >= current.source.firedAtMs;
  for (const entry of entries) {
    const firedAtMs = lastOccurrence(entry, atMs);
    if (firedAtMs === undefined) continue;
    const source = { entry: entryLabel(entry), firedAtMs };
    if (entry.minInstances !== undefined && newer(min, firedAtMs))
      min = { value: entry.minInstances, source };
    if (entry.maxInstances !== undefined && newer(max, firedAtMs))
      max = { value: entry.maxInstances, source };
    if (entry.desired !== undefined && newer(desired, firedAtMs))
      desired = { value: entry.desired, source };
  }
  const minInstances = min?.value ?? base.minInstances;
  const maxInstances = Math.max(max?.value ?? base.maxInstances, minInstances);
  return {
    minInstances,
    maxInstances,
    desired: desired ? { count: desired.value, ...desired.source } : undefined,
    minSource: min?.source,
    maxSource: max?.source,
  };
}

/** The next `count` scheduled changes strictly after `fromMs`, soonest first (entries firing together are listed apart). */
export function upcomingChanges(
  entries: readonly ScheduleEntry[],
  fromMs: number,
  count: number,
): ScheduledChange[] {
  const changes: ScheduledChange[] = [];
  for (const entry of entries) {
    let cursor = fromMs;
    for (let i = 0; i < count; i++) {
      cursor = nextOccurrence(entry, cursor);
      changes.push({
        atMs: cursor,
        entry: entryLabel(entry),
        minInstances: entry.minInstances,
        maxInstances: entry.maxInstances,
        desired: entry.desired,
      });
    }
  }
  return changes.sort((a, b) => a.atMs - b.atMs).slice(0, count);
}

/** The desired count a schedule asks for now: the scheduled one (or the current one) clamped to the min/max in force. */
export function scheduledDesired(
  inForce: CapacityInForce,
  currentDesired: number | undefined,
  applyScheduledDesired: boolean,
): number | undefined {
  const wanted = applyScheduledDesired && inForce.desired ? inForce.desired.count : currentDesired;
  if (wanted === undefined) return undefined;
  return Math.min(Math.max(wanted, inForce.minInstances), inForce.maxInstances);
}
