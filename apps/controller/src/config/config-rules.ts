import 'reflect-metadata';
import { isIP } from 'node:net';
import { Transform, Type } from 'class-transformer';
import { ValidateBy, ValidateNested } from 'class-validator';
import { parseDurationMs } from './duration';

/**
 * Validation decorators that say what IS allowed, in one message per field
 * (`must be an integer from 1 to 1000`), so a bad config lists exactly one line per bad field.
 * Type and range live in one predicate on purpose: "must be a number" followed by
 * "must not be less than 1" for the same value is noise.
 */
export function Allowed(
  description: string,
  isAllowed: (value: unknown) => boolean,
): PropertyDecorator {
  return ValidateBy({
    name: 'allowed',
    constraints: [description],
    validator: {
      validate: (value: unknown) => isAllowed(value),
      defaultMessage: () => `must be ${description}`,
    },
  });
}

export function IntegerIn(min: number, max: number, unit?: string): PropertyDecorator {
  const suffix = unit ? ` (${unit})` : '';
  return Allowed(
    `an integer from ${min} to ${max}${suffix}`,
    (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
  );
}

export function OneOf<T extends string>(values: readonly T[]): PropertyDecorator {
  return Allowed(
    `one of: ${values.join(', ')}`,
    (value) => typeof value === 'string' && values.includes(value as T),
  );
}

export function BooleanFlag(): PropertyDecorator {
  return Allowed('true or false', (value) => typeof value === 'boolean');
}

export function TextOfLength(
  minLength: number,
  maxLength: number,
  what = 'a string',
): PropertyDecorator {
  return Allowed(
    `${what} of ${minLength} to ${maxLength} characters`,
    (value) => typeof value === 'string' && value.length >= minLength && value.length <= maxLength,
  );
}

/** Text matching a pattern; `description` says what a valid value looks like. */
export function TextMatching(pattern: RegExp, description: string): PropertyDecorator {
  return Allowed(description, (value) => typeof value === 'string' && pattern.test(value));
}

export function IpAddress(): PropertyDecorator {
  return Allowed(
    'an IPv4 or IPv6 address literal (e.g. 127.0.0.1, ::1)',
    (value) => typeof value === 'string' && isIP(value) !== 0,
  );
}

/** An absolute URL path such as `/healthz` (no host, no spaces). */
export function UrlPath(): PropertyDecorator {
  return TextMatching(/^\/[^\s#]*$/, 'an absolute URL path starting with "/" (e.g. /healthz)');
}

export function ListOf(
  itemDescription: string,
  isItem: (value: unknown) => boolean,
  maxItems: number,
): PropertyDecorator {
  return Allowed(
    `a list of at most ${maxItems} ${itemDescription}`,
    (value) => Array.isArray(value) && value.length <= maxItems && value.every(isItem),
  );
}

/** A map of string keys to string values (e.g. extra environment variables). */
export function StringMap(keyPattern: RegExp, keyDescription: string): PropertyDecorator {
  return Allowed(
    `a mapping of ${keyDescription} to string values`,
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.entries(value).every(
        ([key, item]) => keyPattern.test(key) && typeof item === 'string',
      ),
  );
}

/**
 * A nested section (`scaling:`, `health:` ...). An empty section in YAML (`scaling:` with nothing
 * under it) parses as null and means "all defaults"; anything but a mapping is an error.
 */
export function Section(sectionClass: () => new () => object): PropertyDecorator {
  const decorators: PropertyDecorator[] = [
    Transform(({ value }) => (value === null ? new (sectionClass())() : value), {
      toClassOnly: true,
    }),
    Type(sectionClass),
    Allowed(
      'a mapping of keys (a section)',
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    ),
    ValidateNested(),
  ];
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}

/** Cross-field: this number must not be below another key of the same section. */
export function NotLessThan(otherKey: string): PropertyDecorator {
  return ValidateBy({
    name: 'notLessThan',
    constraints: [otherKey],
    validator: {
      validate: (value: unknown, args) => {
        const other = (args?.object as Record<string, unknown>)[otherKey];
        return typeof value !== 'number' || typeof other !== 'number' || value >= other;
      },
      defaultMessage: (args) =>
        `must not be less than ${otherKey} (${String((args?.object as Record<string, unknown>)[otherKey])})`,
    },
  });
}

/**
 * A duration in milliseconds (keys ending in `Ms`): a number of milliseconds, or a string with a
 * unit as the `ms` library reads it (`1500ms`, `90s`, `10m`, `1h`), the same format bake-image's
 * duration flags take. The value is stored as whole milliseconds; one that does not parse is
 * left as it is, so the check below reports it with what is allowed.
 */
export function DurationMs(min: number, max: number): PropertyDecorator {
  const decorators: PropertyDecorator[] = [
    Transform(
      ({ value }) => (typeof value === 'string' ? (parseDurationMs(value) ?? value) : value),
      { toClassOnly: true },
    ),
    IntegerIn(min, max, 'milliseconds, or a duration such as 1500ms, 90s, 10m, 1h'),
  ];
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, propertyKey);
  };
}
