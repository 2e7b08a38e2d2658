/**
 * The command line of `nx run tools:deploy-controller` (and `--destroy`): seed sections 11-15 as
 * flags with the seed's defaults. Every error names the flag, what was wrong and what is allowed.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { findWorkspaceRoot, formatDuration, parseDurationMs } from '../bake-image/bake-options';

export const DELIVERIES = ['ssh', 'disk'] as const;
export type Delivery = (typeof DELIVERIES)[number];
export const ACCESS_RULE_MODES = ['auto', 'required', 'off'] as const;
export type AccessRuleMode = (typeof ACCESS_RULE_MODES)[number];

export interface DeployOptions {
  mode: 'deploy' | 'destroy';
  cloud?: string;
  vmName: string;
  baseImage: string;
  flavor: string;
  networkName: string;
  keyName?: string;
  securityGroup: string;
  clientCidr: string;
  proxyPort: number;
  /** undefined: the VM's address on the network. */
  listenHost?: string;
  /** undefined: the admin listener stays on the VM's loopback; 'vm' or an IP: exposed with a token. */
  adminListen?: string;
  adminPort: number;
  adminTokenFile: string;
  controllerConfigPath: string;
  delivery: Delivery;
  diskRoot: string;
  keyFile: string;
  sshUser: string;
  sshSecurityGroup: string;
  accessRules: AccessRuleMode;
  nodeBinary: string;
  workspaceRoot: string;
  bootTimeoutMs: number;
  installTimeoutMs: number;
  serveTimeoutMs: number;
  deleteTimeoutMs: number;
  pollIntervalMs: number;
  progressIntervalMs: number;
  deleteScaledServers: boolean;
}

export class DeployUsageError extends Error {
  constructor(flag: string, problem: string, allowed?: string) {
    super(`deploy-controller: ${flag}: ${problem}${allowed ? ` (allowed: ${allowed})` : ''}`);
    this.name = 'DeployUsageError';
  }
}

type Setter = (o: DeployOptions, value: string, flag: string) => void;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function name(key: 'vmName' | 'securityGroup' | 'keyName'): Setter {
  return (o, v, flag) => {
    if (!NAME.test(v))
      throw new DeployUsageError(
        flag,
        `${JSON.stringify(v)} is not a usable name`,
        'letters, digits, . _ - (1-63, starting with a letter or digit)',
      );
    o[key] = v;
  };
}
function text(
  key: 'cloud' | 'baseImage' | 'flavor' | 'networkName' | 'sshUser' | 'sshSecurityGroup',
): Setter {
  return (o, v, flag) => {
    if (v.trim() === '') throw new DeployUsageError(flag, 'is empty');
    o[key] = v;
  };
}
function file(
  key: 'adminTokenFile' | 'controllerConfigPath' | 'keyFile' | 'nodeBinary' | 'diskRoot',
): Setter {
  return (o, v, flag) => {
    if (v.trim() === '') throw new DeployUsageError(flag, 'is empty', 'a path');
    o[key] = v;
  };
}
function port(key: 'proxyPort' | 'adminPort'): Setter {
  return (o, v, flag) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535)
      throw new DeployUsageError(flag, `${JSON.stringify(v)} is not a port`, '1-65535');
    o[key] = n;
  };
}
function duration(
  key:
    | 'bootTimeoutMs'
    | 'installTimeoutMs'
    | 'serveTimeoutMs'
    | 'deleteTimeoutMs'
    | 'pollIntervalMs'
    | 'progressIntervalMs',
): Setter {
  return (o, v, flag) => {
    const ms = parseDurationMs(v);
    if (ms === undefined || ms === 0)
      throw new DeployUsageError(
        flag,
        `${JSON.stringify(v)} is not a duration`,
        'e.g. 90s, 5m, 1500ms',
      );
    o[key] = ms;
  };
}
function oneOf<T extends string>(
  values: readonly T[],
  set: (o: DeployOptions, v: T) => void,
): Setter {
  return (o, v, flag) => {
    if (!values.includes(v as T))
      throw new DeployUsageError(flag, `${JSON.stringify(v)} is not known`, values.join(', '));
    set(o, v as T);
  };
}
function address(key: 'listenHost'): Setter {
  return (o, v, flag) => {
    if (net.isIP(v) === 0)
      throw new DeployUsageError(
        flag,
        `${JSON.stringify(v)} is not an IP address`,
        'an IPv4/IPv6 address, e.g. 0.0.0.0',
      );
    o[key] = v;
  };
}

interface Spec {
  flag: string;
  arg?: string;
  help: string;
  set?: Setter;
  toggle?: (o: DeployOptions) => void;
}

const SPECS: Spec[] = [
  {
    flag: 'destroy',
    help: 'remove what deploy-controller made (VM, its security group, its application credential)',
    toggle: (o) => (o.mode = 'destroy'),
  },
  {
    flag: 'delete-scaled-servers',
    help: 'with --destroy: also delete the servers the controller created in its group (never the original, never images)',
    toggle: (o) => (o.deleteScaledServers = true),
  },
  {
    flag: 'cloud',
    arg: 'NAME',
    help: 'clouds.yaml entry (default: OS_CLOUD, else the openrc OS_* variables)',
    set: text('cloud'),
  },
  {
    flag: 'controller-config',
    arg: 'FILE',
    help: 'the controller.yaml to run on the VM (provider.kind openstack) [controller.yaml]',
    set: file('controllerConfigPath'),
  },
  {
    flag: 'name',
    arg: 'NAME',
    help: 'the controller VM (seed 11) [controller]',
    set: name('vmName'),
  },
  {
    flag: 'base-image',
    arg: 'NAME|ID',
    help: 'image the VM boots (seed 11) [ubuntu]',
    set: text('baseImage'),
  },
  { flag: 'flavor', arg: 'NAME|ID', help: '[m1.small]', set: text('flavor') },
  { flag: 'network', arg: 'NAME|ID', help: '[test]', set: text('networkName') },
  {
    flag: 'key-name',
    arg: 'NAME',
    help: 'Nova key pair for the VM [vm-key]',
    set: name('keyName'),
  },
  {
    flag: 'security-group',
    arg: 'NAME',
    help: "the VM's own group: tcp/<port> from --client-cidr, nothing else [osa-controller]",
    set: name('securityGroup'),
  },
  {
    flag: 'client-cidr',
    arg: 'CIDR',
    help: 'who may reach :8000 [0.0.0.0/0]',
    set: (o, v, flag) => {
      if (!/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(v) || net.isIP(v.split('/')[0]) === 0)
        throw new DeployUsageError(
          flag,
          `${JSON.stringify(v)} is not a CIDR`,
          'e.g. 0.0.0.0/0 or 10.0.0.0/8',
        );
      o.clientCidr = v;
    },
  },
  {
    flag: 'port',
    arg: 'PORT',
    help: 'the data path clients use (seed 15) [8000]',
    set: port('proxyPort'),
  },
  {
    flag: 'listen-host',
    arg: 'IP',
    help: "address the data path binds on the VM [the VM's address on --network]",
    set: address('listenHost'),
  },
  {
    flag: 'admin-listen',
    arg: 'vm|IP',
    help: "expose the admin listener (default: the VM's loopback only); needs a bearer token, which the tool makes and keeps in --admin-token-file",
    set: (o, v, flag) => {
      if (v !== 'vm' && net.isIP(v) === 0)
        throw new DeployUsageError(
          flag,
          `${JSON.stringify(v)} is neither vm nor an IP address`,
          "vm (the VM's address) or an IP",
        );
      o.adminListen = v;
    },
  },
  { flag: 'admin-port', arg: 'PORT', help: '[8001]', set: port('adminPort') },
  {
    flag: 'admin-token-file',
    arg: 'FILE',
    help: 'where the admin bearer token is kept on this machine, mode 600 [.osa/deploy/<name>-admin-token]',
    set: file('adminTokenFile'),
  },
  {
    flag: 'delivery',
    arg: 'ssh|disk',
    help: "how the release and credentials reach the VM: ssh (SFTP with --key-file, seed 11) or disk (a cloud whose servers' root file systems are directories here, e.g. the devcloud) [ssh]",
    set: oneOf(DELIVERIES, (o, v) => (o.delivery = v)),
  },
  {
    flag: 'disk-root',
    arg: 'DIR',
    help: 'disk delivery: <DIR>/<server id>/disk is the VM root [/var/lib/devcloud/vms]',
    set: file('diskRoot'),
  },
  {
    flag: 'key-file',
    arg: 'FILE',
    help: 'ssh delivery: private key of --key-name [vm-key.pem]',
    set: file('keyFile'),
  },
  { flag: 'ssh-user', arg: 'USER', help: '[ubuntu]', set: text('sshUser') },
  {
    flag: 'ssh-security-group',
    arg: 'NAME',
    help: 'ssh delivery: the group that opens tcp/22 (seed 5) [default]',
    set: text('sshSecurityGroup'),
  },
  {
    flag: 'access-rules',
    arg: 'auto|required|off',
    help: 'limit the application credential to the calls the controller makes: auto falls back to project+role only where the cloud cannot enforce them [auto]',
    set: oneOf(ACCESS_RULE_MODES, (o, v) => (o.accessRules = v)),
  },
  {
    flag: 'node-binary',
    arg: 'FILE',
    help: 'Node 20 for linux-x64 to ship [this node]',
    set: file('nodeBinary'),
  },
  { flag: 'boot-timeout', arg: 'DURATION', help: '[5m]', set: duration('bootTimeoutMs') },
  {
    flag: 'install-timeout',
    arg: 'DURATION',
    help: 'upload + install on the VM [10m]',
    set: duration('installTimeoutMs'),
  },
  {
    flag: 'serve-timeout',
    arg: 'DURATION',
    help: ':8000 answering after the install [3m]',
    set: duration('serveTimeoutMs'),
  },
  { flag: 'delete-timeout', arg: 'DURATION', help: '[3m]', set: duration('deleteTimeoutMs') },
  { flag: 'poll-interval', arg: 'DURATION', help: '[2s]', set: duration('pollIntervalMs') },
  {
    flag: 'progress-interval',
    arg: 'DURATION',
    help: 'heartbeat of a long wait [10s]',
    set: duration('progressIntervalMs'),
  },
];

export function defaultDeployOptions(cwd: string): DeployOptions {
  return {
    mode: 'deploy',
    vmName: 'controller',
    baseImage: 'ubuntu',
    flavor: 'm1.small',
    networkName: 'test',
    keyName: 'vm-key',
    securityGroup: 'osa-controller',
    clientCidr: '0.0.0.0/0',
    proxyPort: 8000,
    adminPort: 8001,
    adminTokenFile: '',
    controllerConfigPath: path.resolve(cwd, 'controller.yaml'),
    delivery: 'ssh',
    diskRoot: '/var/lib/devcloud/vms',
    keyFile: path.resolve(cwd, 'vm-key.pem'),
    sshUser: 'ubuntu',
    sshSecurityGroup: 'default',
    accessRules: 'auto',
    nodeBinary: process.execPath,
    workspaceRoot: findWorkspaceRoot(__dirname),
    bootTimeoutMs: 5 * 60_000,
    installTimeoutMs: 10 * 60_000,
    serveTimeoutMs: 3 * 60_000,
    deleteTimeoutMs: 3 * 60_000,
    pollIntervalMs: 2_000,
    progressIntervalMs: 10_000,
    deleteScaledServers: false,
  };
}

export type ParsedDeployArgs = { kind: 'help' } | { kind: 'run'; options: DeployOptions };

export function parseDeployArgs(argv: readonly string[], cwd = process.cwd()): ParsedDeployArgs {
  const o = defaultDeployOptions(cwd);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const spec = m ? SPECS.find((s) => s.flag === m[1]) : undefined;
    if (!m || !spec) throw new DeployUsageError(arg, 'unknown argument', 'see --help');
    if (spec.toggle) {
      if (m[2] !== undefined) throw new DeployUsageError(`--${spec.flag}`, 'takes no value');
      spec.toggle(o);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined)
      throw new DeployUsageError(`--${spec.flag}`, `needs a value (${spec.arg})`);
    spec.set?.(o, value, `--${spec.flag}`);
  }
  for (const key of ['controllerConfigPath', 'keyFile', 'nodeBinary', 'diskRoot'] as const)
    o[key] = path.resolve(cwd, o[key]);
  o.adminTokenFile = path.resolve(
    cwd,
    o.adminTokenFile || path.join('.osa', 'deploy', `${o.vmName}-admin-token`),
  );
  if (o.deleteScaledServers && o.mode !== 'destroy')
    throw new DeployUsageError('--delete-scaled-servers', 'only goes with --destroy');
  if (o.mode === 'deploy') {
    if (!fs.existsSync(o.controllerConfigPath))
      throw new DeployUsageError(
        '--controller-config',
        `${o.controllerConfigPath} does not exist`,
        'the controller.yaml bake-image printed, or apps/controller/examples/openstack-seed.yaml',
      );
    if (o.delivery === 'ssh' && !fs.existsSync(o.keyFile))
      throw new DeployUsageError(
        '--key-file',
        `${o.keyFile} does not exist (ssh delivery needs the private key of --key-name)`,
      );
    if (o.delivery === 'disk' && !fs.existsSync(o.diskRoot))
      throw new DeployUsageError(
        '--disk-root',
        `${o.diskRoot} does not exist (disk delivery writes into <dir>/<server id>/disk)`,
      );
  }
  return { kind: 'run', options: o };
}

export function deployHelpText(): string {
  const lines = SPECS.map((s) => `  --${s.flag}${s.arg ? `=${s.arg}` : ''}\n      ${s.help}`);
  return [
    'usage: nx run tools:deploy-controller -- [options]        boot and run the controller VM (seed 11-15)',
    '       nx run tools:deploy-controller -- --destroy [...]  remove it again',
    '',
    ...lines,
    '',
    `Durations: ${formatDuration(90_000)} = 90s, 5m, 1500ms. Exit codes: 0 done, 1 failed (what this run created is removed), 2 bad arguments or cloud config, 130/143 interrupted.`,
  ].join('\n');
}
