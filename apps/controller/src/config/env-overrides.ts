import { parse as parseYaml } from 'yaml';
import { ConfigProblem } from './config-error';

/**
 * Environment overrides: `OSA_<SECTION>__<KEY>[__<KEY>...]=value`, e.g.
 * `OSA_SCALING__THRESHOLD_REQUESTS=10` sets `scaling.thresholdRequests`. Segments are separated by
 * a double underscore; each segment is the key in UPPER_SNAKE_CASE. The value is read as a YAML
 * scalar or flow collection, so `10` is a number, `true` a boolean, `[a, b]` a list and `'"10"'`
 * the string "10". Every `OSA_` variable must name a real key: a typo is an error, not ignored.
 */
export const ENV_OVERRIDE_PREFIX = 'OSA_';

export interface EnvOverride {
  readonly variable: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

export function envVariableFor(path: readonly string[]): string {
  return (
    ENV_OVERRIDE_PREFIX +
    path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')
  );
}

function keyFromSegment(segment: string): string {
  return segment
    .toLowerCase()
    .replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Reads every OSA_* variable; malformed names or values become problems. `reserved` names
 * (OSA_CONFIG, the config file) are OSA_ variables that are not overrides.
 */
export function readEnvOverrides(
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  reserved: readonly string[] = [],
): EnvOverride[] {
  const overrides: EnvOverride[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(ENV_OVERRIDE_PREFIX) || reserved.includes(variable)) continue;
    const raw = env[variable] ?? '';
    const segments = variable.slice(ENV_OVERRIDE_PREFIX.length).split('__');
    if (segments.some((segment) => !/^[A-Z][A-Z0-9_]*$/.test(segment) || segment.endsWith('_'))) {
      problems.push({
        path: variable,
        message: `not a valid override name: expected ${ENV_OVERRIDE_PREFIX}<SECTION>__<KEY> in UPPER_SNAKE_CASE, e.g. OSA_SCALING__THRESHOLD_REQUESTS`,
      });
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(raw);
    } catch (error) {
      problems.push({
        path: variable,
        message: `value is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
      });
      continue;
    }
    overrides.push({ variable, path: segments.map(keyFromSegment), value });
  }
  return overrides;
}

/** Sets each override into `target` (a plain object from the config file), creating sections as needed. */
export function applyEnvOverrides(
  target: Record<string, unknown>,
  overrides: readonly EnvOverride[],
): void {
  for (const override of overrides) {
    let node = target;
    override.path.slice(0, -1).forEach((key) => {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    });
    node[override.path[override.path.length - 1]] = override.value;
  }
}
