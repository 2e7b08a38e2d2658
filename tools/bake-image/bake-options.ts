/**
 * The bake's settings: one table of options (the single source for parsing, defaults and --help),
 * and `parseBakeArgs()`, which turns argv into validated `BakeOptions` or a `BakeUsageError` that
 * lists every bad flag at once (flag, what was wrong, what is allowed).
 *
 * This is the only module that reads argv. Paths are resolved here, so later steps only see
 * absolute paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { cidrContains, firstHostAddress, parseCidr, parseIpAddress } from '@osa/openstack-client';
import { closest, distance } from 'fastest-levenshtein';
import ms from 'ms';

export const PROVIDERS = ['openstack', 'local'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** How the bake decides that the base VM is ready (see README "Readiness"). */
export const READINESS_MODES = ['console', 'health'] as const;
export type ReadinessMode = (typeof READINESS_MODES)[number];

export interface BakeOptions {
  provider: Provider;
  /** Workspace root (nearest ancestor of the working directory holding nx.json). */
  workspaceRoot: string;

  // What goes into the image.
  bundlePath: string;
  unitPath: string;
  serviceVersion: string;
  imageName: string;

  // Local provider.
  imagesDir: string;

  // Cloud prerequisites (seed sections 4-6).
  /** clouds.yaml entry; undefined = OS_CLOUD or the OS_* variables, like the `openstack` CLI. */
  cloud?: string;
  networkName: string;
  /** Create the network (and a subnet) when absent; off: a missing network is an error. */
  createNetwork: boolean;
  subnetName: string;
  subnetCidr: string;
  /** Gateway of a subnet we create; default: the first host address of the CIDR (seed: .1). */
  subnetGateway: string;
  securityGroup: string;
  ingressPorts: number[];
  ingressRemoteIp: string;
  keyName: string;
  keyFile: string;

  // Base VM (seed sections 7-9).
  baseVmName: string;
  baseImage: string;
  flavor: string;
  replaceBaseVm: boolean;
  servicePort: number;
  healthPath: string;

  // Waiting.
  readiness: ReadinessMode;
  bootTimeoutMs: number;
  readyTimeoutMs: number;
  stopTimeoutMs: number;
  imageTimeoutMs: number;
  startTimeoutMs: number;
  /** Longest gap between two progress lines during a wait. */
  progressIntervalMs: number;
  /** Fixed poll interval for the console/health checks (the client's waiters back off on their own). */
  readyPollIntervalMs: number;

  // After the snapshot.
  restartBase: boolean;
  /** Keep only the newest N baked images of this name (undefined: keep all). */
  pruneKeep?: number;

  dryRun: boolean;
  showRequests: boolean;
  /** Also write the generated cloud-init user data to this file. */
  userDataOut?: string;
}

export class BakeUsageError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `bake-image: invalid arguments:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Run with --help to see every option.',
    );
    this.name = 'BakeUsageError';
  }
}

type Kind = 'string' | 'path' | 'enum' | 'int' | 'duration' | 'ports' | 'cidr' | 'ipv4' | 'flag';

interface OptionSpec {
  flag: string;
  /** Other spellings of the flag, e.g. `os-cloud` (the openstack CLI's name) for `cloud`. */
  aliases?: readonly string[];
  key: keyof BakeOptions;
  kind: Kind;
  help: string;
  /** Default as shown in --help (the real default is applied in `defaults()`). */
  shownDefault?: string;
  allowed?: readonly string[];
  /** Shown in --help after `=`, when the kind's default placeholder would mislead. */
  placeholder?: string;
  min?: number;
  max?: number;
  group: string;
}

const MIN_MS = 1_000;
const MAX_MS = 24 * 3_600_000;

/** Every option. `--no-<flag>` / `--<flag>=false` turn a flag off. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  {
    group: 'General',
    flag: 'provider',
    key: 'provider',
    kind: 'enum',
    allowed: PROVIDERS,
    shownDefault: 'openstack',
    help: "openstack: bake in the cloud (seed 4-10); local: write a golden image for the controller's local provider",
  },
  {
    group: 'General',
    flag: 'image-name',
    key: 'imageName',
    kind: 'string',
    shownDefault: 'service-golden',
    help: 'name of the golden image (a re-bake adds a newer image with the same name)',
  },
  {
    group: 'General',
    flag: 'bundle',
    key: 'bundlePath',
    kind: 'path',
    shownDefault: 'dist/apps/service/main.js',
    help: 'the built service bundle (`nx build service`)',
  },
  {
    group: 'General',
    flag: 'unit',
    key: 'unitPath',
    kind: 'path',
    shownDefault: 'apps/service/deploy/service-app.service',
    help: 'the systemd unit installed in the image',
  },
  {
    group: 'General',
    flag: 'service-version',
    key: 'serviceVersion',
    kind: 'string',
    placeholder: 'VERSION',
    shownDefault: 'version in the workspace package.json',
    help: 'recorded as the image property osa_service_version',
  },
  {
    group: 'General',
    flag: 'dry-run',
    key: 'dryRun',
    kind: 'flag',
    shownDefault: 'off',
    help: 'check the options and the user data (size), print the plan, call no cloud',
  },
  {
    group: 'General',
    flag: 'show-requests',
    key: 'showRequests',
    kind: 'flag',
    shownDefault: 'off',
    help: 'print every OpenStack request (method, URL, status, request id)',
  },
  {
    group: 'Local provider',
    flag: 'images-dir',
    key: 'imagesDir',
    kind: 'path',
    shownDefault: '.osa/images (in the workspace)',
    help: "local image store the controller's local provider reads",
  },
  {
    group: 'Cloud prerequisites',
    flag: 'cloud',
    aliases: ['os-cloud'],
    key: 'cloud',
    kind: 'string',
    shownDefault: '$OS_CLOUD, else the OS_* variables',
    help: 'clouds.yaml entry to use (also --os-cloud=NAME, as the openstack CLI spells it)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'network',
    key: 'networkName',
    kind: 'string',
    shownDefault: 'test',
    help: 'network for the base VM; created if absent (seed 4)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'create-network',
    key: 'createNetwork',
    kind: 'flag',
    shownDefault: 'on (--no-create-network: the network must already exist)',
    help: 'create the network and its subnet when absent',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'subnet',
    key: 'subnetName',
    kind: 'string',
    shownDefault: 'test-subnet',
    help: 'subnet name; created on the network if the network has no subnet (seed 4)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'subnet-cidr',
    key: 'subnetCidr',
    kind: 'cidr',
    shownDefault: '192.168.222.0/24',
    help: 'CIDR of a subnet we create (the devcloud only accepts 127.0.0.0/8)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'subnet-gateway',
    key: 'subnetGateway',
    kind: 'ipv4',
    shownDefault: 'first address of the CIDR (.1)',
    help: 'gateway of a subnet we create',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'security-group',
    key: 'securityGroup',
    kind: 'string',
    shownDefault: 'default',
    help: 'security group that gets the ingress rules (seed 5)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'ports',
    key: 'ingressPorts',
    kind: 'ports',
    shownDefault: '22,5000,8000',
    help: 'TCP ports opened in the security group (an existing rule is fine)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'remote-ip',
    key: 'ingressRemoteIp',
    kind: 'cidr',
    shownDefault: '0.0.0.0/0',
    help: 'source CIDR of those rules',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'key-name',
    key: 'keyName',
    kind: 'string',
    shownDefault: 'vm-key',
    help: 'Nova key pair; created if absent (seed 6)',
  },
  {
    group: 'Cloud prerequisites',
    flag: 'key-file',
    key: 'keyFile',
    kind: 'path',
    shownDefault: 'vm-key.pem',
    help: 'private key of a key pair we create (mode 600; never overwritten)',
  },
  {
    group: 'Base VM',
    flag: 'base-vm-name',
    key: 'baseVmName',
    kind: 'string',
    shownDefault: 'service-vm-1',
    help: 'server the image is taken from; reused if it already runs this bundle (seed 7)',
  },
  {
    group: 'Base VM',
    flag: 'base-image',
    key: 'baseImage',
    kind: 'string',
    shownDefault: 'ubuntu',
    help: 'image name or id the base VM boots from',
  },
  {
    group: 'Base VM',
    flag: 'flavor',
    key: 'flavor',
    kind: 'string',
    shownDefault: 'm1.small',
    help: 'flavor name or id of the base VM',
  },
  {
    group: 'Base VM',
    flag: 'replace-base-vm',
    key: 'replaceBaseVm',
    kind: 'flag',
    shownDefault: 'off',
    help: 'delete an existing base VM that runs another (or an unknown) bundle and boot a fresh one',
  },
  {
    group: 'Base VM',
    flag: 'service-port',
    key: 'servicePort',
    kind: 'int',
    min: 1,
    max: 65535,
    shownDefault: '5000',
    help: 'port the service listens on in the VM (seed 8)',
  },
  {
    group: 'Base VM',
    flag: 'health-path',
    key: 'healthPath',
    kind: 'string',
    placeholder: 'PATH',
    shownDefault: '/healthz',
    help: 'service health path checked before the snapshot',
  },
  {
    group: 'Waiting',
    flag: 'readiness',
    key: 'readiness',
    kind: 'enum',
    allowed: READINESS_MODES,
    shownDefault: 'console',
    help: 'console: wait for the ready marker in the console log; health: GET http://<server address>:<service-port><health-path> (clouds that do not run user data)',
  },
  {
    group: 'Waiting',
    flag: 'boot-timeout',
    key: 'bootTimeoutMs',
    kind: 'duration',
    shownDefault: '10m',
    help: 'base VM BUILD -> ACTIVE',
  },
  {
    group: 'Waiting',
    flag: 'ready-timeout',
    key: 'readyTimeoutMs',
    kind: 'duration',
    shownDefault: '20m',
    help: 'ACTIVE -> service ready (first boot + apt can take minutes)',
  },
  {
    group: 'Waiting',
    flag: 'stop-timeout',
    key: 'stopTimeoutMs',
    kind: 'duration',
    shownDefault: '5m',
    help: 'stop -> SHUTOFF',
  },
  {
    group: 'Waiting',
    flag: 'image-timeout',
    key: 'imageTimeoutMs',
    kind: 'duration',
    shownDefault: '30m',
    help: 'snapshot -> image active',
  },
  {
    group: 'Waiting',
    flag: 'start-timeout',
    key: 'startTimeoutMs',
    kind: 'duration',
    shownDefault: '5m',
    help: 'restart of the base VM -> ACTIVE',
  },
  {
    group: 'Waiting',
    flag: 'progress-interval',
    key: 'progressIntervalMs',
    kind: 'duration',
    min: 100,
    shownDefault: '10s',
    help: 'longest gap between progress lines while waiting',
  },
  {
    group: 'Waiting',
    flag: 'ready-poll-interval',
    key: 'readyPollIntervalMs',
    kind: 'duration',
    min: 100,
    shownDefault: '5s',
    help: 'how often the console log / health URL is checked',
  },
  {
    group: 'After the snapshot',
    flag: 'restart-base',
    key: 'restartBase',
    kind: 'flag',
    shownDefault: 'on (--no-restart-base to leave it SHUTOFF)',
    help: 'start the base VM again; it stays the first backend (seed 10)',
  },
  {
    group: 'After the snapshot',
    flag: 'prune',
    key: 'pruneKeep',
    kind: 'int',
    min: 1,
    max: 1000,
    shownDefault: 'keep all',
    help: 'keep only the newest N baked images of this name; older baked ones are deleted (hand-made images never are)',
  },
  {
    group: 'After the snapshot',
    flag: 'user-data-out',
    key: 'userDataOut',
    kind: 'path',
    shownDefault: 'not written',
    help: 'also write the generated cloud-init user data to this file',
  },
];

/** Nearest ancestor of `from` that holds nx.json (the workspace root), else `from` itself. */
export function findWorkspaceRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

function workspaceVersion(root: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' && pkg.version ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function defaultBakeOptions(workspaceRoot: string): BakeOptions {
  return {
    provider: 'openstack',
    workspaceRoot,
    bundlePath: path.join(workspaceRoot, 'dist/apps/service/main.js'),
    unitPath: path.join(workspaceRoot, 'apps/service/deploy/service-app.service'),
    serviceVersion: workspaceVersion(workspaceRoot),
    imageName: 'service-golden',
    imagesDir: path.join(workspaceRoot, '.osa/images'),
    networkName: 'test',
    createNetwork: true,
    subnetName: 'test-subnet',
    subnetCidr: '192.168.222.0/24',
    subnetGateway: '192.168.222.1',
    securityGroup: 'default',
    ingressPorts: [22, 5000, 8000],
    ingressRemoteIp: '0.0.0.0/0',
    keyName: 'vm-key',
    keyFile: path.join(workspaceRoot, 'vm-key.pem'),
    baseVmName: 'service-vm-1',
    baseImage: 'ubuntu',
    flavor: 'm1.small',
    replaceBaseVm: false,
    servicePort: 5000,
    healthPath: '/healthz',
    readiness: 'console',
    bootTimeoutMs: 10 * 60_000,
    readyTimeoutMs: 20 * 60_000,
    stopTimeoutMs: 5 * 60_000,
    imageTimeoutMs: 30 * 60_000,
    startTimeoutMs: 5 * 60_000,
    progressIntervalMs: 10_000,
    readyPollIntervalMs: 5_000,
    restartBase: true,
    dryRun: false,
    showRequests: false,
  };
}

export type ParsedArgs = { kind: 'help' } | { kind: 'bake'; options: BakeOptions };

/**
 * Parses `--flag=value`, `--flag value`, `--flag` / `--no-flag` (flags) and `--flag=true|false`
 * (Nx may forward booleans that way). Every problem is collected and reported together.
 */
export function parseBakeArgs(argv: readonly string[], cwd: string = process.cwd()): ParsedArgs {
  const workspaceRoot = findWorkspaceRoot(cwd);
  const options = defaultBakeOptions(workspaceRoot);
  const problems: string[] = [];
  const seen = new Set<string>();
  let gatewayGiven = false;
  const bySpec = new Map<string, OptionSpec>();
  for (const spec of OPTION_SPECS)
    for (const name of [spec.flag, ...(spec.aliases ?? [])]) bySpec.set(name, spec);

  // node:util.parseArgs splits the arguments into tokens; it runs non-strict so every bad one
  // becomes a problem line instead of a throw at the first. The checks below are ours.
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const tokens = [...tokenize(argv)];
  while (tokens.length > 0) {
    const token = tokens.shift();
    if (!token) break;
    if (token.kind === 'positional') {
      problems.push(
        `${JSON.stringify(token.value)}: unexpected argument (options look like --name=value)`,
      );
      continue;
    }
    if (token.kind === 'option-terminator' || !token.rawName.startsWith('--')) {
      const raw = token.kind === 'option-terminator' ? '--' : token.rawName;
      problems.push(`${JSON.stringify(raw)}: unexpected argument (options look like --name=value)`);
      continue;
    }
    let name = token.name;
    let value = token.value;
    let negated = false;
    if (!bySpec.has(name) && name.startsWith('no-') && bySpec.get(name.slice(3))?.kind === 'flag') {
      name = name.slice(3);
      negated = true;
    }
    const spec = bySpec.get(name);
    if (!spec) {
      problems.push(`--${name}: unknown option${suggestion(name)}`);
      continue;
    }
    if (
      spec.kind !== 'flag' &&
      value !== undefined &&
      !token.inlineValue &&
      value.startsWith('--')
    ) {
      // parseArgs took the next option as this one's value: it is an option of its own.
      tokens.unshift(...tokenize([value]));
      value = undefined;
    }
    if (seen.has(spec.flag)) {
      problems.push(`--${spec.flag}: given more than once (give it once)`);
      continue;
    }
    seen.add(spec.flag);
    if (spec.kind === 'flag') {
      if (negated && value !== undefined) {
        problems.push(`--no-${spec.flag}: takes no value (got ${JSON.stringify(value)})`);
        continue;
      }
      const on = negated ? false : value === undefined ? true : parseBool(value);
      if (on === undefined) {
        problems.push(
          `--${spec.flag}=${value}: not a boolean (allowed: true, false, or the bare flag / --no-${spec.flag})`,
        );
        continue;
      }
      (options as unknown as Record<string, unknown>)[spec.key] = on;
      continue;
    }
    if (value === undefined) {
      problems.push(`--${spec.flag}: missing value (${describeAllowed(spec)})`);
      continue;
    }
    const parsed = parseValue(spec, value, cwd);
    if ('problem' in parsed) {
      problems.push(
        `--${spec.flag}=${JSON.stringify(value)}: ${parsed.problem} (${describeAllowed(spec)})`,
      );
      continue;
    }
    (options as unknown as Record<string, unknown>)[spec.key] = parsed.value;
    if (spec.key === 'subnetGateway') gatewayGiven = true;
  }

  if (!problems.some((p) => p.startsWith('--subnet-cidr'))) {
    const parsed = parseCidr(options.subnetCidr, 4);
    const cidr = 'cidr' in parsed ? parsed.cidr : undefined;
    const gateway = parseIpAddress(options.subnetGateway, 4);
    if (cidr && !gatewayGiven) options.subnetGateway = firstHostAddress(cidr);
    if (cidr && gatewayGiven && !(gateway && cidrContains(cidr, gateway))) {
      problems.push(
        `--subnet-gateway=${options.subnetGateway}: not inside --subnet-cidr=${options.subnetCidr}`,
      );
    }
  }
  if (!options.healthPath.startsWith('/')) {
    problems.push(
      `--health-path=${JSON.stringify(options.healthPath)}: must start with "/" (e.g. /healthz)`,
    );
  }
  const hadProblem = (flag: string): boolean => problems.some((p) => p.startsWith(`--${flag}`));
  if (options.provider === 'local') {
    const cloudOnly = OPTION_SPECS.filter(
      (s) =>
        seen.has(s.flag) &&
        !hadProblem(s.flag) &&
        (s.group === 'Cloud prerequisites' ||
          s.group === 'Base VM' ||
          s.group === 'Waiting' ||
          s.flag === 'restart-base' ||
          s.flag === 'user-data-out'),
    );
    for (const s of cloudOnly) {
      problems.push(
        `--${s.flag}: only applies to --provider=openstack (the local provider bakes no VM)`,
      );
    }
  } else if (seen.has('images-dir')) {
    problems.push('--images-dir: only applies to --provider=local');
  }
  if (problems.length) throw new BakeUsageError(problems);
  return { kind: 'bake', options };
}

/** Bake flags are all `--name[=value]`: every one is declared a string so a value is never lost. */
const PARSE_ARGS_OPTIONS = Object.fromEntries(
  OPTION_SPECS.flatMap((spec) =>
    [spec.flag, ...(spec.aliases ?? [])].map((name) => [
      name,
      { type: spec.kind === 'flag' ? ('boolean' as const) : ('string' as const) },
    ]),
  ),
);

function tokenize(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: PARSE_ARGS_OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  }).tokens;
}

function parseBool(v: string): boolean | undefined {
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  return undefined;
}

type Parsed = { value: unknown } | { problem: string };

function parseValue(spec: OptionSpec, raw: string, cwd: string): Parsed {
  const value = raw.trim();
  switch (spec.kind) {
    case 'string':
      if (!value) return { problem: 'empty' };
      if (value.length > 255) return { problem: `${value.length} characters long` };
      if (/[\u0000-\u001f]/.test(value)) return { problem: 'contains control characters' };
      return { value };
    case 'path':
      if (!value) return { problem: 'empty' };
      return { value: path.resolve(cwd, value) };
    case 'enum':
      return spec.allowed?.includes(value)
        ? { value }
        : { problem: 'not one of the allowed values' };
    case 'int': {
      if (!/^\d+$/.test(value)) return { problem: 'not a whole number' };
      const n = Number(value);
      if (n < (spec.min ?? 0) || n > (spec.max ?? Number.MAX_SAFE_INTEGER))
        return { problem: 'out of range' };
      return { value: n };
    }
    case 'duration': {
      const durationMs = parseDurationMs(value);
      if (durationMs === undefined) return { problem: 'not a duration' };
      if (durationMs < (spec.min ?? MIN_MS) || durationMs > MAX_MS)
        return { problem: 'out of range' };
      return { value: durationMs };
    }
    case 'ports': {
      const parts = value.split(',').map((p) => p.trim());
      const ports: number[] = [];
      for (const p of parts) {
        if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)
          return { problem: `${JSON.stringify(p)} is not a TCP port` };
        if (!ports.includes(Number(p))) ports.push(Number(p));
      }
      return { value: ports };
    }
    case 'cidr': {
      const cidr = parseCidr(value, 4);
      if ('cidr' in cidr) return { value };
      return {
        problem: cidr.suggestion
          ? `host bits are set (did you mean ${cidr.suggestion}?)`
          : 'not an IPv4 CIDR',
      };
    }
    case 'ipv4':
      return parseIpAddress(value, 4) ? { value } : { problem: 'not an IPv4 address' };
    case 'flag':
      return { problem: 'internal: flags are parsed elsewhere' };
  }
}

function describeAllowed(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'enum':
      return `allowed: ${spec.allowed?.join(', ')}`;
    case 'int':
      return `allowed: a whole number from ${spec.min} to ${spec.max}`;
    case 'duration':
      return `allowed: a duration like 90s, 10m, 1h or 1500ms, from ${(spec.min ?? MIN_MS) < 1000 ? `${spec.min}ms` : `${(spec.min ?? MIN_MS) / 1000}s`} to ${MAX_MS / 3_600_000}h`;
    case 'ports':
      return 'allowed: comma-separated TCP ports 1-65535, e.g. 22,5000,8000';
    case 'cidr':
      return 'allowed: an IPv4 network like 192.168.222.0/24';
    case 'ipv4':
      return 'allowed: an IPv4 address like 192.168.222.1';
    case 'path':
      return 'allowed: a file or directory path';
    default:
      return 'allowed: a non-empty name of at most 255 characters';
  }
}

function suggestion(name: string): string {
  const flags = OPTION_SPECS.flatMap((spec) => [spec.flag, ...(spec.aliases ?? [])]);
  const prefixed = flags.find((flag) => flag.startsWith(name) || name.startsWith(flag));
  const near = closest(name, flags);
  const close = prefixed ?? (distance(name, near) <= 2 ? near : undefined);
  return close ? ` (did you mean --${close}?)` : ' (see --help)';
}

/**
 * The one duration format of the bake's flags and the controller's `*Ms` config keys: what the
 * `ms` library reads (`90s`, `10m`, `1h`, `1500ms`; a bare number is milliseconds), rounded to
 * whole milliseconds; undefined for anything else, negative durations included.
 */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.length > 100) return undefined;
  const value = ms(trimmed as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s ? `${min}m${s}s` : `${min}m`;
}

/** The --help text, generated from OPTION_SPECS so it never drifts from the parser. */
export function bakeHelpText(): string {
  const lines = [
    'Usage: npx nx run tools:bake-image -- [options]   (or: node dist/tools/bake-image/main.js [options])',
    '',
    'Bakes the golden image the controller scales out from (seed sections 4-10 as one command):',
    'prerequisites -> base VM with cloud-init -> wait until ready -> stop + snapshot -> summary.',
    'Credentials come from OS_CLOUD/clouds.yaml or the OS_* variables of an openrc, like the openstack CLI.',
  ];
  let group = '';
  for (const s of OPTION_SPECS) {
    if (s.group !== group) {
      group = s.group;
      lines.push('', `${group}:`);
    }
    const value =
      s.kind === 'flag'
        ? ''
        : s.kind === 'enum'
          ? `=${s.allowed?.join('|')}`
          : `=${s.placeholder ?? placeholder(s.kind)}`;
    lines.push(
      `  --${s.flag}${value}`,
      `      ${s.help}${s.shownDefault ? ` [default: ${s.shownDefault}]` : ''}`,
    );
  }
  lines.push(
    '',
    'Exit codes: 0 baked, 1 bake failed (cleaned up), 2 invalid arguments, 130/143 interrupted by SIGINT/SIGTERM (cleaned up).',
  );
  return lines.join('\n');
}

function placeholder(kind: Kind): string {
  return {
    string: 'NAME',
    path: 'PATH',
    enum: '',
    int: 'N',
    duration: 'DURATION',
    ports: 'PORTS',
    cidr: 'CIDR',
    ipv4: 'IP',
    flag: '',
  }[kind];
}
