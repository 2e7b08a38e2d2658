import * as path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, ConfigProblem } from './config-error';
import { ControllerConfig } from './controller-config';
import { applyEnvOverrides, EnvOverride, readEnvOverrides } from './env-overrides';
import { validateConfigObject } from './config-validation';

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
}

export type ConfigRequest = { readonly kind: 'run'; readonly loaded: LoadedControllerConfig } | { readonly kind: 'help'; readonly text: string };

export const CONFIG_FILE_ENV = 'CONTROLLER_CONFIG';
export const DEFAULT_CONFIG_FILE = 'controller.yaml';

export const USAGE = `usage: node dist/apps/controller/main.js [--config PATH]

  --config PATH, -c PATH   YAML config file (default: $${CONFIG_FILE_ENV}, else ./${DEFAULT_CONFIG_FILE} if present,
                           else built-in defaults: the seed scenario on the local provider)
  --help, -h               this text

Any setting can be overridden from the environment: OSA_<SECTION>__<KEY>=value,
e.g. OSA_SCALING__THRESHOLD_REQUESTS=5 OSA_PROVIDER__KIND=openstack.
See apps/controller/README.md for every key.
`;

/**
 * Reads the command line, the YAML file and the OSA_* environment overrides, and validates the
 * result once. Throws ConfigError listing every problem. This (with main.ts passing the process
 * values in) is the only place settings are read from.
 */
export function loadControllerConfig(inputs: ConfigInputs): ConfigRequest {
  const problems: ConfigProblem[] = [];
  const cli = parseArguments(inputs.argv, problems);
  if (cli.help) return { kind: 'help', text: USAGE };

  const file = chooseConfigFile(cli.configPath, inputs);
  const plain = file ? readConfigFile(file.path, file.required, inputs, problems) : {};

  const overrides = readEnvOverrides(inputs.env, problems);
  applyEnvOverrides(plain, overrides);

  const { config, problems: fieldProblems } = validateConfigObject(ControllerConfig, plain, (fieldPath) =>
    sourceOf(fieldPath, overrides, file?.path),
  );
  problems.push(...fieldProblems);
  if (problems.length > 0) throw new ConfigError(problems);

  config.provider.local.bundlePath = path.resolve(inputs.cwd, config.provider.local.bundlePath);
  config.provider.local.stateDir = path.resolve(inputs.cwd, config.provider.local.stateDir);
  config.provider.local.imagesDir = path.resolve(inputs.cwd, config.provider.local.imagesDir);
  return {
    kind: 'run',
    loaded: {
      config,
      origin: { file: file?.path, envOverrides: overrides.map((override) => override.variable) },
      cloudEnvironment: {
        env: { ...inputs.env },
        cwd: inputs.cwd,
        homeDir: inputs.homeDir,
        readTextFile: (filePath) => inputs.readTextFile(filePath),
      },
    },
  };
}

function parseArguments(argv: readonly string[], problems: ConfigProblem[]): { configPath?: string; help: boolean } {
  let configPath: string | undefined;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--help' || argument === '-h') {
      help = true;
    } else if (argument === '--config' || argument === '-c') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('-')) {
        problems.push({ path: argument, message: 'needs a file path, e.g. --config controller.yaml' });
      } else {
        configPath = value;
        index++;
      }
    } else if (argument.startsWith('--config=')) {
      configPath = argument.slice('--config='.length);
      if (!configPath) problems.push({ path: '--config', message: 'needs a file path, e.g. --config=controller.yaml' });
    } else {
      problems.push({ path: argument, message: 'unknown argument (allowed: --config PATH, --help)' });
    }
  }
  return { configPath, help };
}

function chooseConfigFile(cliPath: string | undefined, inputs: ConfigInputs): { path: string; required: boolean; from: string } | undefined {
  if (cliPath) return { path: path.resolve(inputs.cwd, cliPath), required: true, from: '--config' };
  const fromEnv = inputs.env[CONFIG_FILE_ENV];
  if (fromEnv) return { path: path.resolve(inputs.cwd, fromEnv), required: true, from: CONFIG_FILE_ENV };
  const inCwd = path.resolve(inputs.cwd, DEFAULT_CONFIG_FILE);
  let present: boolean;
  try {
    present = inputs.readTextFile(inCwd) !== undefined;
  } catch {
    present = true; // unreadable: readConfigFile reports why
  }
  return present ? { path: inCwd, required: false, from: 'working directory' } : undefined;
}

function readConfigFile(filePath: string, required: boolean, inputs: ConfigInputs, problems: ConfigProblem[]): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = inputs.readTextFile(filePath);
  } catch (error) {
    problems.push({ path: filePath, message: `cannot read the config file: ${(error as Error).message}` });
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
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    problems.push({ path: filePath, message: `not valid YAML${where}: ${(error as Error).message.split('\n')[0]}` });
    return {};
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push({ path: filePath, message: 'must contain a mapping of sections (proxy:, admin:, provider:, scaling:, health:, log:)' });
    return {};
  }
  return parsed as Record<string, unknown>;
}

function sourceOf(fieldPath: string, overrides: readonly EnvOverride[], file: string | undefined): string | undefined {
  const normalized = fieldPath.replace(/\[(\d+)\]/g, '.$1');
  for (const override of overrides) {
    const overridePath = override.path.join('.');
    if (normalized === overridePath || normalized.startsWith(`${overridePath}.`)) return override.variable;
  }
  return file;
}
