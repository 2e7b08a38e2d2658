import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import { ConfigProblem } from './config-error';

/** What the controller's command line asked for (see USAGE in config-loader.ts). */
export interface ControllerArguments {
  readonly configPath?: string;
  readonly help: boolean;
  readonly version: boolean;
  readonly checkConfig: boolean;
}

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'check-config': { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ALLOWED = '--config PATH, --check-config, --version, --help';

/**
 * `node:util.parseArgs` reads the tokens; it runs non-strict so that every bad argument becomes
 * one problem line (with a "did you mean" for a near miss) instead of a throw at the first one.
 */
export function parseControllerArguments(
  argv: readonly string[],
  problems: ConfigProblem[],
): ControllerArguments {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  let configPath: string | undefined;
  const flags = new Set<string>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      problems.push({ path: token.value, message: `unexpected argument (allowed: ${ALLOWED})` });
      continue;
    }
    if (token.kind !== 'option') continue; // the `--` terminator
    const spec = (OPTIONS as Record<string, { type: 'string' | 'boolean' }>)[token.name];
    if (!spec) {
      problems.push({
        path: token.rawName,
        message: `unknown argument${suggestion(token.name)} (allowed: ${ALLOWED})`,
      });
      continue;
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        problems.push({ path: token.rawName, message: 'takes no value' });
      else flags.add(token.name);
      continue;
    }
    // parseArgs takes the next argument as the value even when it is another option.
    const value = token.value;
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('-'))) {
      problems.push({
        path: token.rawName,
        message: 'needs a file path, e.g. --config controller.yaml',
      });
      continue;
    }
    configPath = value;
  }
  return {
    configPath,
    help: flags.has('help'),
    version: flags.has('version'),
    checkConfig: flags.has('check-config'),
  };
}

function suggestion(name: string): string {
  const candidates = Object.keys(OPTIONS);
  const best = closest(name, candidates);
  return distance(name, best) <= 3 || best.startsWith(name) ? ` (did you mean --${best}?)` : '';
}
