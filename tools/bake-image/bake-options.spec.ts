import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BakeUsageError,
  bakeHelpText,
  OPTION_SPECS,
  parseBakeArgs,
  parseDurationMs,
  type BakeOptions,
} from './bake-options';

const workspaceRoot = path.resolve(__dirname, '../..');

function parse(args: string[]): BakeOptions {
  const parsed = parseBakeArgs(args, workspaceRoot);
  if (parsed.kind !== 'bake') throw new Error('expected options');
  return parsed.options;
}

function problemsOf(args: string[]): string[] {
  try {
    parseBakeArgs(args, workspaceRoot);
  } catch (err) {
    if (err instanceof BakeUsageError) return [...err.problems];
    throw err;
  }
  throw new Error(`expected ${args.join(' ')} to be rejected`);
}

describe('parseBakeArgs', () => {
  it('defaults to the seed: ubuntu, m1.small, test, 192.168.222.0/24 gateway .1, ports 22/5000/8000, vm-key', () => {
    const o = parse([]);
    expect(o).toMatchObject({
      provider: 'openstack',
      imageName: 'service-golden',
      baseImage: 'ubuntu',
      flavor: 'm1.small',
      networkName: 'test',
      subnetName: 'test-subnet',
      subnetCidr: '192.168.222.0/24',
      subnetGateway: '192.168.222.1',
      securityGroup: 'default',
      ingressPorts: [22, 5000, 8000],
      keyName: 'vm-key',
      baseVmName: 'service-vm-1',
      readiness: 'console',
      restartBase: true,
      createNetwork: true,
      workspaceRoot,
    });
    expect(o.keyFile).toBe(path.join(workspaceRoot, 'vm-key.pem'));
    expect(o.imagesDir).toBe(path.join(workspaceRoot, '.osa/images'));
    expect(o.bundlePath).toBe(path.join(workspaceRoot, 'dist/apps/service/main.js'));
    expect(o.serviceVersion).toBe(
      JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')).version,
    );
    expect(o.pruneKeep).toBeUndefined();
  });

  it('reads --flag=value, --flag value, bare flags, --no-flag and --flag=false', () => {
    const o = parse([
      '--flavor',
      'm1.tiny',
      '--network=devnet',
      '--subnet-cidr=127.200.0.0/24',
      '--ports',
      '22, 5000,5000',
      '--readiness=health',
      '--boot-timeout=90s',
      '--ready-timeout',
      '1h',
      '--image-timeout=1500ms',
      '--no-restart-base',
      '--replace-base-vm',
      '--show-requests=false',
      '--prune=3',
      '--key-file=keys/k.pem',
    ]);
    expect(o).toMatchObject({
      flavor: 'm1.tiny',
      networkName: 'devnet',
      subnetCidr: '127.200.0.0/24',
      subnetGateway: '127.200.0.1',
      ingressPorts: [22, 5000],
      readiness: 'health',
      bootTimeoutMs: 90_000,
      readyTimeoutMs: 3_600_000,
      imageTimeoutMs: 1_500,
      restartBase: false,
      replaceBaseVm: true,
      showRequests: false,
      pruneKeep: 3,
    });
    expect(o.keyFile).toBe(path.join(workspaceRoot, 'keys/k.pem'));
  });

  it('takes --os-cloud as the openstack CLI spells it, as another name of --cloud', () => {
    expect(parse(['--os-cloud=devcloud']).cloud).toBe('devcloud');
    expect(parse(['--os-cloud', 'devcloud']).cloud).toBe('devcloud');
    expect(parse(['--cloud=devcloud']).cloud).toBe('devcloud');
    expect(problemsOf(['--cloud=a', '--os-cloud=b'])).toEqual([
      '--cloud: given more than once (give it once)',
    ]);
    expect(problemsOf(['--os-clod=x'])).toEqual([
      '--os-clod: unknown option (did you mean --os-cloud?)',
    ]);
  });

  it('reads durations in the one format the controller config uses too (the ms library)', () => {
    expect(
      parse(['--boot-timeout=1.5h', '--ready-timeout=2 min', '--stop-timeout=300000']),
    ).toMatchObject({
      bootTimeoutMs: 5_400_000,
      readyTimeoutMs: 120_000,
      stopTimeoutMs: 300_000,
    });
    expect(problemsOf(['--boot-timeout=-5m'])).toEqual([
      '--boot-timeout="-5m": not a duration (allowed: a duration like 90s, 10m, 1h or 1500ms, from 1s to 24h)',
    ]);
  });

  it('answers --help', () => {
    expect(parseBakeArgs(['--flavor=x', '--help'], workspaceRoot)).toEqual({ kind: 'help' });
  });

  it('lists every bad flag at once, each with what was wrong and what is allowed', () => {
    const problems = problemsOf([
      '--readiness=ssh',
      '--prune=0',
      '--ports=22,99999',
      '--boot-timeout=soon',
      '--subnet-cidr=10.0.0.1/24',
      '--frobnicate',
      '--flavr=m1',
      '--flavor',
      '--service-port=0',
      'stray',
      '--network=a',
      '--network=b',
    ]);
    expect(problems).toEqual([
      '--readiness="ssh": not one of the allowed values (allowed: console, health)',
      '--prune="0": out of range (allowed: a whole number from 1 to 1000)',
      '--ports="22,99999": "99999" is not a TCP port (allowed: comma-separated TCP ports 1-65535, e.g. 22,5000,8000)',
      '--boot-timeout="soon": not a duration (allowed: a duration like 90s, 10m, 1h or 1500ms, from 1s to 24h)',
      '--subnet-cidr="10.0.0.1/24": host bits are set (did you mean 10.0.0.0/24?) (allowed: an IPv4 network like 192.168.222.0/24)',
      '--frobnicate: unknown option (see --help)',
      '--flavr: unknown option (did you mean --flavor?)',
      '--flavor: missing value (allowed: a non-empty name of at most 255 characters)',
      '--service-port="0": out of range (allowed: a whole number from 1 to 65535)',
      '"stray": unexpected argument (options look like --name=value)',
      '--network: given more than once (give it once)',
    ]);
  });

  it('checks the gateway against the CIDR and the health path', () => {
    expect(
      problemsOf([
        '--subnet-cidr=192.168.5.0/24',
        '--subnet-gateway=192.168.6.1',
        '--health-path=healthz',
      ]),
    ).toEqual([
      '--subnet-gateway=192.168.6.1: not inside --subnet-cidr=192.168.5.0/24',
      '--health-path="healthz": must start with "/" (e.g. /healthz)',
    ]);
    expect(
      parse(['--subnet-cidr=192.168.5.0/24', '--subnet-gateway=192.168.5.254']).subnetGateway,
    ).toBe('192.168.5.254');
  });

  it('rejects cloud-only flags with --provider=local and --images-dir without it', () => {
    expect(problemsOf(['--provider=local', '--flavor=m1.small', '--no-restart-base'])).toEqual([
      '--flavor: only applies to --provider=openstack (the local provider bakes no VM)',
      '--restart-base: only applies to --provider=openstack (the local provider bakes no VM)',
    ]);
    expect(problemsOf(['--images-dir=/tmp/x'])).toEqual([
      '--images-dir: only applies to --provider=local',
    ]);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bake-opts-'));
    try {
      const o = parse(['--provider=local', `--images-dir=${tmp}`, '--prune=2']);
      expect(o).toMatchObject({ provider: 'local', imagesDir: tmp, pruneKeep: 2 });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('documents every option in --help and in the README', () => {
    const help = bakeHelpText();
    const readme = fs.readFileSync(path.join(__dirname, 'README.md'), 'utf8');
    for (const spec of OPTION_SPECS) {
      expect(help).toContain(`--${spec.flag}`);
      expect(readme).toContain(`--${spec.flag}`);
    }
    expect(help).toContain('[default: service-golden]');
    // The README embeds the help text: it must be the current one.
    expect(readme).toContain(help);
  });
});

describe('value parsers', () => {
  it('parses durations (CIDRs: @osa/openstack-client ip-address.spec)', () => {
    expect(parseDurationMs('10m')).toBe(600_000);
    expect(parseDurationMs('2.5s')).toBe(2_500);
    expect(parseDurationMs('250')).toBe(250);
    expect(parseDurationMs('ten')).toBeUndefined();
  });
});
