import * as path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, ConfigProblem } from './config-error';
import { ControllerConfig } from './controller-config';
import { applyEnvOverrides, EnvOverride, readEnvOverrides } from './env-overrides';
import { validateConfigObject } from './config-validation';
import { parseControllerArguments } from './controller-arguments';
import { moveDeprecatedKeys } from './deprecated-keys';

/** Everything the loader may look at; main.ts passes the real process values, tests pass their own. */
export interface ConfigInputs {
  /** Command-line arguments after the script name. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  /** The file's text, or undefined when it does not exist. */
  readTextFile(filePath: string): string | undefined;
}

/** What the OpenStack client may read for credentials (OS_CLOUD, OS_*, clouds.yaml). Never logged. */
export interface CloudEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  readTextFile(filePath: string): string | undefined;
}

export interface ConfigOrigin {
  /** Absolute path of the YAML file used, if any. */
  readonly file?: string;
  /** Names of the OSA_* variables applied. */
  readonly envOverrides: readonly string[];
}

export interface LoadedControllerConfig {
  readonly config: ControllerConfig;
  readonly origin: ConfigOrigin;
  readonly cloudEnvironment: CloudEnvironment;
  /** Deprecated names that were used (the old key or variable, and what replaces it); logged at start. */
  readonly warnings: readonly string[];
}

/**
 * What the command line asked for: serve (`run`), only validate (`check`: `--check-config`),
 * or print something and exit (`help`, `version`).
 */
export type ConfigRequest =
  | { readonly kind: 'run' | 'check'; readonly loaded: LoadedControllerConfig }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' };

export const CONFIG_FILE_ENV = 'OSA_CONFIG';
/** The variable's name before it got the OSA_ prefix; still read, with a warning. */
export const DEPRECATED_CONFIG_FILE_ENV = 'CONTROLLER_CONFIG';
export const DEFAULT_CONFIG_FILE = 'controller.yaml';

export const USAGE = `usage: node dist/apps/controller/main.js [--config PATH] [--check-config]
       npx nx serve controller -- --config PATH

  --config PATH, -c PATH   YAML config file (default: $${CONFIG_FILE_ENV}, else ./${DEFAULT_CONFIG_FILE} if present,
                           else built-in defaults: the seed scenario on the local provider)
  --check-config           validate the configuration (file, OSA_* overrides, OpenStack credentials),
                           print every bad field and exit: 0 valid, 2 invalid; starts nothing
  --version                print the version (and the git commit when known) and exit
  --help, -h               this text

Any setting can be overridden from the environment: OSA_<SECTION>__<KEY>=value,
e.g. OSA_SCALING__THRESHOLD_REQUESTS=5 OSA_PROVIDER__KIND=openstack.
Durations (keys ending in Ms) take a number of milliseconds or a duration such as 1500ms, 90s, 10m, 1h.
See apps/controller/README.md for every key.
`;

/**
 * Reads the command line, the YAML file and the OSA_* environment overrides, and validates the
 * result once. Throws ConfigError listing every problem. This (with main.ts passing the process
 * values in) is the only place settings are read from.
 */
export function loadControllerConfig(inputs: ConfigInputs): ConfigRequest {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const cli = parseControllerArguments(inputs.argv, problems);
  if (cli.help) return { kind: 'help', text: USAGE };
  if (cli.version && problems.length === 0) return { kind: 'version' };

  const file = chooseConfigFile(cli.configPath, inputs, warnings);
  const plain = file ? readConfigFile(file.path, file.required, inputs, problems) : {};

  const overrides = readEnvOverrides(inputs.env, problems, [CONFIG_FILE_ENV]);
  applyEnvOverrides(plain, overrides);
  const renamed = moveDeprecatedKeys(
    plain,
    problems,
    warnings,
    (fieldPath) => overrides.find((override) => override.path.join('.') === fieldPath)?.variable,
  );

  const { config, problems: fieldProblems } = validateConfigObject(
    ControllerConfig,
    plain,
    (fieldPath) => sourceOf(renamed.get(fieldPath) ?? fieldPath, overrides, file?.path),
  );
  problems.push(...fieldProblems);
  if (problems.length > 0) throw new ConfigError(problems);

  config.provider.local.bundlePath = path.resolve(inputs.cwd, config.provider.local.bundlePath);
  config.provider.local.stateDir = path.resolve(inputs.cwd, config.provider.local.stateDir);
  config.provider.local.imagesDir = path.resolve(inputs.cwd, config.provider.local.imagesDir);
  return {
    kind: cli.checkConfig ? 'check' : 'run',
    loaded: {
      config,
      origin: { file: file?.path, envOverrides: overrides.map((override) => override.variable) },
      cloudEnvironment: {
        env: { ...inputs.env },
        cwd: inputs.cwd,
        homeDir: inputs.homeDir,
        readTextFile: (filePath) => inputs.readTextFile(filePath),
      },
      warnings,
    },
  };
}

function chooseConfigFile(
  cliPath: string | undefined,
  inputs: ConfigInputs,
  warnings: string[],
): { path: string; required: boolean; from: string } | undefined {
  const deprecated = inputs.env[DEPRECATED_CONFIG_FILE_ENV];
  if (deprecated) {
    const used = !cliPath && !inputs.env[CONFIG_FILE_ENV];
    warnings.push(
      `${DEPRECATED_CONFIG_FILE_ENV} is deprecated: set ${CONFIG_FILE_ENV} instead${used ? '' : ` (ignored here: ${cliPath ? '--config' : CONFIG_FILE_ENV} is given)`}`,
    );
  }
  if (cliPath) return { path: path.resolve(inputs.cwd, cliPath), required: true, from: '--config' };
  const fromEnv = inputs.env[CONFIG_FILE_ENV] || deprecated;
  if (fromEnv)
    return {
      path: path.resolve(inputs.cwd, fromEnv),
      required: true,
      from: inputs.env[CONFIG_FILE_ENV] ? CONFIG_FILE_ENV : DEPRECATED_CONFIG_FILE_ENV,
    };
  const inCwd = path.resolve(inputs.cwd, DEFAULT_CONFIG_FILE);
  let present: boolean;
  try {
    present = inputs.readTextFile(inCwd) !== undefined;
  } catch {
    present = true; // unreadable: readConfigFile reports why
  }
  return present ? { path: inCwd, required: false, from: 'working directory' } : undefined;
}

function readConfigFile(
  filePath: string,
  required: boolean,
  inputs: ConfigInputs,
  problems: ConfigProblem[],
): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = inputs.readTextFile(filePath);
  } catch (error) {
    problems.push({
      path: filePath,
      message: `cannot read the config file: ${(error as Error).message}`,
    });
    return {};
  }
  if (text === undefined) {
    if (required) problems.push({ path: filePath, message: 'config file not found' });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    problems.push({
      path: filePath,
      message: `not valid YAML${where}: ${(error as Error).message.split('\n')[0]}`,
    });
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({
      path: filePath,
      message:
        'must contain a mapping of sections (proxy:, admin:, provider:, scaling:, health:, log:)',
    });
    return {};
  }
  return parsed as Record<string, unknown>;
}

function sourceOf(
  fieldPath: string,
  overrides: readonly EnvOverride[],
  file: string | undefined,
): string | undefined {
  const normalized = fieldPath.replace(/\[(\d+)\]/g, '.$1');
  for (const override of overrides) {
    const overridePath = override.path.join('.');
    if (normalized === overridePath || normalized.startsWith(`${overridePath}.`))
      return override.variable;
  }
  return file;
}
