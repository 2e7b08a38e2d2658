import { Type } from 'class-transformer';
import { ValidateBy, ValidateIf, ValidateNested } from 'class-validator';
import { CronTime } from 'cron';
import { Allowed, IntegerIn, NotLessThan, TextOfLength } from './config-rules';

const WhenGiven = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/**
 * One `scaling.schedule` entry: from each moment its cron expression fires (in `timeZone`), the
 * fields it names are in force (AWS scheduled actions). Example, weekdays 09:00-18:00 Berlin:
 *   - { cron: "0 9 * * 1-5", timeZone: Europe/Berlin, minInstances: 3 }
 *   - { cron: "0 18 * * 1-5", timeZone: Europe/Berlin, minInstances: 1 }
 */
export class ScheduleEntryConfig {
  /** Shown in logs and /status; default `schedule[i] "<cron>" <timeZone>`. */
  @WhenGiven()
  @TextOfLength(1, 100, 'a name')
  name?: string;

  /** Five fields (minute hour day-of-month month day-of-week) or six with seconds first, as @nestjs/schedule's @Cron reads them. */
  @CronExpression()
  cron!: string;

  /** IANA time zone the expression is read in. */
  @ValidateBy({
    name: 'timeZone',
    validator: {
      validate: (value: unknown) => timeZoneProblem(value) === undefined,
      defaultMessage: (args) => timeZoneProblem(args?.value) ?? '',
    },
  })
  timeZone = 'UTC';

  @WhenGiven()
  @IntegerIn(1, 1000)
  minInstances?: number;

  @WhenGiven()
  @IntegerIn(1, 1000)
  @NotLessThan('minInstances')
  maxInstances?: number;

  /** Clamped by the min/max in force; the policies keep moving the desired count afterwards. */
  @WhenGiven()
  @IntegerIn(1, 1000)
  desired?: number;
}

function CronExpression(): PropertyDecorator {
  const problem = (value: unknown, entry: Partial<ScheduleEntryConfig>): string | undefined =>
    cronProblem(value) ??
    (entry.minInstances === undefined &&
    entry.maxInstances === undefined &&
    entry.desired === undefined
      ? 'this entry sets nothing: give at least one of minInstances, maxInstances, desired'
      : undefined);
  return ValidateBy({
    name: 'cronExpression',
    validator: {
      validate: (value: unknown, args) =>
        problem(value, (args?.object ?? {}) as Partial<ScheduleEntryConfig>) === undefined,
      defaultMessage: (args) =>
        problem(args?.value, (args?.object ?? {}) as Partial<ScheduleEntryConfig>) ?? '',
    },
  });
}

/** `scaling.schedule`: a list of entries, each checked field by field (`scaling.schedule[1].cron`). */
export function ScheduleEntries(): PropertyDecorator {
  const decorators: PropertyDecorator[] = [
    Type(() => ScheduleEntryConfig),
    Allowed(
      'a list of at most 100 schedule entries ({ cron, timeZone, minInstances / maxInstances / desired })',
      (value) =>
        Array.isArray(value) &&
        value.length <= 100 &&
        value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item)),
    ),
    ValidateNested({ each: true }),
  ];
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}

/** What is wrong with a cron expression, in words; undefined when it is fine. */
export function cronProblem(cron: unknown): string | undefined {
  if (typeof cron !== 'string' || cron.trim() === '')
    return 'must be a cron expression such as "0 9 * * 1-5" (minute hour day-of-month month day-of-week; a sixth leading field is seconds)';
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    return `"${cron}" has ${fields} fields: a cron expression has 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)`;
  const verdict = CronTime.validateCronExpression(cron);
  if (!verdict.valid)
    return `"${cron}" is not a cron expression: ${verdict.error?.message ?? 'unreadable'}`;
  return undefined;
}

/** What is wrong with an IANA time zone name; undefined when it is one. */
export function timeZoneProblem(timeZone: unknown): string | undefined {
  if (typeof timeZone !== 'string' || timeZone === '')
    return 'must be an IANA time zone name such as UTC or Europe/Berlin';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `"${timeZone}" is not an IANA time zone name (e.g. UTC, Europe/Berlin, America/New_York)`;
  }
  return undefined;
}
